/**
 * The open-loop load generator in a node process of its own: a fresh heap that holds only the
 * requests, no ts-node and none of the bench's data, so the generator's garbage collections (a
 * major one in a ts-node process took 5–10 ms and sent the requests due meanwhile in one burst)
 * stay out of the latencies. The generator is bundled with esbuild and given the requests' bodies
 * over the IPC channel; `core` pins it (Linux `taskset`) away from the server under test.
 */
import { spawn, execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import type { LoadOptions, LoadResult } from './open-loop-load';

export interface ApartLoadOptions extends Omit<LoadOptions, 'body'> {
  readonly body: (i: number) => string;
  /** The core to run the generator on (skipped where `taskset` is missing). */
  readonly core?: number;
}

const CHILD = `
const { runOpenLoopLoad } = require('./open-loop-load');
process.once('message', async ({ options, bodies }) => {
  try {
    process.send({ result: await runOpenLoopLoad({ ...options, body: (i) => bodies[i] }) }, () => process.exit(0));
  } catch (error) {
    process.send({ error: String(error && error.stack || error) }, () => process.exit(1));
  }
});
`;

export async function runOpenLoopLoadApart(options: ApartLoadOptions): Promise<LoadResult> {
  const built = await esbuild.build({
    stdin: { contents: CHILD, resolveDir: __dirname, sourcefile: 'open-loop-child.js', loader: 'js' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  const code = built.outputFiles[0]!.text;
  const { body, core, ...rest } = options;
  const bodies = Array.from({ length: (options.warmup ?? 0) + Math.round(options.rate * options.seconds) }, (_, i) => body(i));
  const child = spawn(process.execPath, ['--expose-gc', '-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    if (core !== undefined && child.pid) {
      try {
        execFileSync('taskset', ['-a', '-p', '-c', String(core), String(child.pid)], { stdio: 'ignore' });
      } catch {
        // No taskset: the generator then shares the cores with the server.
      }
    }
    return await new Promise<LoadResult>((resolve, reject) => {
      child.once('message', (m: { result?: LoadResult; error?: string }) => (m.result ? resolve(m.result) : reject(new Error(`load generator: ${m.error}`))));
      child.once('exit', (code) => reject(new Error(`load generator exited (${code}) before answering`)));
      child.send({ options: rest, bodies });
    });
  } finally {
    child.kill();
  }
}
