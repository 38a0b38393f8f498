import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunningHedgerow {
  readonly url: string;
  readonly token: string;
  readonly personalApiKey: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Ctrl-C (SIGINT) and wait for a clean exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** kill -9. */
  kill(): Promise<void>;
  /** Deletes the data folder if startHedgerow made it (a folder passed in stays); call once the process has stopped. */
  removeData(): void;
}

const ROOT = path.resolve(__dirname, '../..');

/**
 * Starts `npm start`'s entry point (bin/hedgerow.ts) as a real separate process on a free port,
 * with known keys, and waits until it prints its URL.
 */
export async function startHedgerow(options: { dataDir?: string; token?: string; personalApiKey?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): Promise<RunningHedgerow> {
  const madeDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-run-'));
  const token = options.token ?? `phc_test${randomBytes(12).toString('hex')}`;
  const personalApiKey = options.personalApiKey ?? `phx_test${randomBytes(12).toString('hex')}`;
  // --max-semi-space-size as `npm start` runs (package.json): fewer young-generation GCs under load.
  const child = spawn(process.execPath, ['--max-semi-space-size=32', ...(options.nodeArgs ?? []), '-r', 'ts-node/register/transpile-only', 'bin/hedgerow.ts', '--port', '0', '--data-dir', dataDir], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      LOG_LEVEL: 'warn',
      HEDGEROW_PROJECT_TOKEN: token,
      HEDGEROW_PERSONAL_API_KEY: personalApiKey,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Hedgerow did not start in 90 s:\n${out}`)), 90_000);
    const check = () => {
      const match = /URL\s+(http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Hedgerow exited with ${code} before starting:\n${out}`));
    });
  });
  return {
    url,
    token,
    personalApiKey,
    dataDir,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGINT');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    removeData() {
      if (madeDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** GET an /api path with the personal API key. */
export async function api<T = unknown>(h: RunningHedgerow, pathAndQuery: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${h.url}${pathAndQuery}`, {
    ...init,
    headers: { authorization: `Bearer ${h.personalApiKey}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
