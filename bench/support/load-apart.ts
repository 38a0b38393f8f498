/**
 * The load generators in a node process of their own: a fresh heap that holds only the requests,
 * no ts-node and none of the bench's data, so the generator's garbage collections (a major one in
 * a ts-node process took 5–10 ms and sent the requests due meanwhile in one burst) stay out of the
 * latencies, and its CPU is only what sending takes. The generator is bundled with esbuild and
 * given the requests' bodies over the IPC channel; `core` pins it (Linux `taskset`) away from the
 * server under test.
 */
import { spawn, execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import type { ClosedLoopOptions, ClosedLoopResult } from './closed-loop-load';
import type { LoadOptions, LoadResult } from './open-loop-load';

interface Apart {
  /** The core to run the generator on (skipped where `taskset` is missing). */
  readonly core?: number;
}

const CHILD = `
const loads = { open: require('./open-loop-load').runOpenLoopLoad, closed: require('./closed-loop-load').runClosedLoopLoad };
process.once('message', async ({ kind, options, bodies }) => {
  try {
    process.send({ result: await loads[kind]({ ...options, body: (i) => bodies[i] }) }, () => process.exit(0));
  } catch (error) {
    process.send({ error: String((error && error.stack) || error) }, () => process.exit(1));
  }
});
`;

/** The child's code, bundled once per process. */
let childCode: Promise<string> | undefined;
const bundleChild = () =>
  (childCode ??= esbuild
    .build({
      stdin: { contents: CHILD, resolveDir: __dirname, sourcefile: 'load-child.js', loader: 'js' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      write: false,
      logLevel: 'silent',
    })
    .then((built) => built.outputFiles[0]!.text));

async function runApart<T>(kind: 'open' | 'closed', options: object, bodies: (string | Uint8Array)[], core: number | undefined): Promise<T> {
  const child = spawn(process.execPath, ['--expose-gc', '-e', await bundleChild()], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  try {
    if (core !== undefined && child.pid) {
      try {
        execFileSync('taskset', ['-a', '-p', '-c', String(core), String(child.pid)], { stdio: 'ignore' });
      } catch {
        // No taskset: the generator then shares the cores with the server.
      }
    }
    return await new Promise<T>((resolve, reject) => {
      child.once('message', (m: { result?: T; error?: string }) => (m.result ? resolve(m.result) : reject(new Error(`load generator: ${m.error}`))));
      child.once('exit', (code) => reject(new Error(`load generator exited (${code}) before answering`)));
      child.send({ kind, options, bodies });
    });
  } finally {
    child.kill();
  }
}

export function runOpenLoopLoadApart(options: LoadOptions & Apart): Promise<LoadResult> {
  const { body, core, ...rest } = options;
  const bodies = Array.from({ length: (options.warmup ?? 0) + Math.round(options.rate * options.seconds) }, (_, i) => body(i));
  return runApart('open', rest, bodies, core);
}

export function runClosedLoopLoadApart(options: ClosedLoopOptions & Apart): Promise<ClosedLoopResult> {
  const { body, core, ...rest } = options;
  return runApart('closed', rest, Array.from({ length: options.distinct }, (_, i) => body(i)), core);
}
