/**
 * Lambda bundles: bundle size (bytes and gzip) and module init time per function, with every
 * `lambdas/<name>/index.ts` bundled by esbuild exactly as the CDK Lambda factory
 * (stacks/constructs/hedgerow-function.ts) has NodejsFunction do it: bundle, platform node,
 * target node22, CommonJS, minified, linked source map without sources, the factory's externals.
 * Goal (issue 2): ≤ 1 MB and ≤ 150 ms per function.
 *
 * Init time is measured in a fresh `node` per run (median of 5), with the handler's environment
 * set to harmless values and every AWS endpoint pointed at a closed loopback port:
 * - `require` is the module evaluation alone (what `require()` of the bundle costs);
 * - `init` adds the work the module's top level starts and that runs before any I/O can: the
 *   lazy adapter imports and client construction of its cold-start promise. The promise itself
 *   is never awaited (no network); that is the figure held to the goal.
 * Externals (`@aws-sdk/*`, provided by the Lambda runtime) load from this repository's node_modules.
 *
 *   npx ts-node --transpile-only bench/lambda.bench.ts [--runs 5]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { EXTERNAL_MODULES } from '../stacks/constructs/hedgerow-function';

export interface LambdaBenchRow {
  readonly name: string;
  /** index.js, the code Lambda loads (the source map ships beside it). */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Median ms of module evaluation alone. */
  readonly requireMs: number;
  /** Median ms of module evaluation plus the cold-start work it queues before any I/O. */
  readonly initMs: number;
  /** The largest contributors to the bundle, by package (or project folder). */
  readonly largest: readonly { readonly source: string; readonly bytes: number }[];
  readonly withinGoal: boolean;
}

export const GOAL = { bytes: 1024 * 1024, initMs: 150 } as const;

const ROOT = path.resolve(__dirname, '..');

/** What a deployed function finds in its environment (docs/architecture.md), with values that reach nothing. */
const HARMLESS_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  HEDGEROW_STREAM_EVENTS: 'bench-events',
  HEDGEROW_STREAM_EVENTS_PROCESSED: 'bench-events-processed',
  HEDGEROW_STREAM_RECORDINGS: 'bench-recordings',
  HEDGEROW_KV_TABLE: 'bench-kv',
  HEDGEROW_BLOB_BUCKET: 'bench-blobs',
  HEDGEROW_CLICKHOUSE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-clickhouse',
  HEDGEROW_DATABASE_MODE: 'data-api',
  HEDGEROW_DATABASE_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:bench',
  HEDGEROW_DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-database',
  HEDGEROW_DATABASE_NAME: 'hedgerow',
  HEDGEROW_QUERY_WORKER_FUNCTION: 'bench-query-worker',
  LOG_LEVEL: 'error',
  NODE_NO_WARNINGS: '1',
  AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
};

/** Run in the child: loads the bundle and reports both timings as JSON. */
const MEASURE = `
const { performance } = require('node:perf_hooks');
process.on('unhandledRejection', () => {});
const start = performance.now();
require(process.argv[2]);
const required = performance.now();
setImmediate(() => {
  process.stdout.write(JSON.stringify({ requireMs: required - start, initMs: performance.now() - start }));
  process.exit(0);
});
`;

export function lambdaNames(root = ROOT): string[] {
  return fs
    .readdirSync(path.join(root, 'lambdas'))
    .filter((name) => fs.existsSync(path.join(root, 'lambdas', name, 'index.ts')))
    .sort();
}

/** The factory's esbuild options (NodejsFunction's command line, as the JS API). */
export function bundleOptions(name: string, outdir: string, root = ROOT): esbuild.BuildOptions & { metafile: true } {
  return {
    absWorkingDir: root,
    entryPoints: [path.join(root, 'lambdas', name, 'index.ts')],
    outfile: path.join(outdir, name, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: [...EXTERNAL_MODULES],
    logLevel: 'warning',
    metafile: true,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function largestInputs(metafile: esbuild.Metafile, top = 4): { source: string; bytes: number }[] {
  const bySource = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      const source = pkg ?? input.split('/').slice(0, 2).join('/');
      bySource.set(source, (bySource.get(source) ?? 0) + bytesInOutput);
    }
  }
  return [...bySource].map(([source, bytes]) => ({ source, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, top);
}

function measureInit(bundle: string, script: string): { requireMs: number; initMs: number } {
  const out = execFileSync(process.execPath, [script, bundle], {
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NODE_PATH: path.join(ROOT, 'node_modules'), ...HARMLESS_ENV },
    cwd: path.dirname(bundle),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(out) as { requireMs: number; initMs: number };
}

export async function runLambdaBench(options: { runs?: number; names?: readonly string[] } = {}): Promise<LambdaBenchRow[]> {
  const runs = options.runs ?? 5;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-lambda-bench-'));
  try {
    const script = path.join(outdir, 'measure.js');
    fs.writeFileSync(script, MEASURE);
    const names = options.names ?? lambdaNames();
    const built = await Promise.all(names.map((name) => esbuild.build(bundleOptions(name, outdir))));
    const bundle = (name: string) => path.join(outdir, name, 'index.js');
    // Round-robin, so that a noisy moment of the machine spreads over every function alike.
    const samples = new Map(names.map((name) => [name, [] as { requireMs: number; initMs: number }[]]));
    for (let run = 0; run < runs; run++) for (const name of names) samples.get(name)!.push(measureInit(bundle(name), script));
    return names.map((name, i) => {
      const code = fs.readFileSync(bundle(name));
      const initMs = median(samples.get(name)!.map((s) => s.initMs));
      return {
        name,
        bytes: code.length,
        gzipBytes: gzipSync(code).length,
        requireMs: median(samples.get(name)!.map((s) => s.requireMs)),
        initMs,
        largest: largestInputs(built[i].metafile),
        withinGoal: code.length <= GOAL.bytes && initMs <= GOAL.initMs,
      };
    });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

export function lambdaBenchTable(rows: readonly LambdaBenchRow[]): string[] {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  return [
    '| function | bundle | gzip | require (median) | init (median) | goal ≤ 1 MB, ≤ 150 ms | largest parts |',
    '|---|---:|---:|---:|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${kb(r.bytes)} | ${kb(r.gzipBytes)} | ${r.requireMs.toFixed(1)} ms | ${r.initMs.toFixed(1)} ms | ${r.withinGoal ? 'met' : '**missed**'} | ${r.largest.map((p) => `${p.source} ${kb(p.bytes)}`).join(', ')} |`,
    ),
  ];
}

if (require.main === module) {
  const at = process.argv.indexOf('--runs');
  runLambdaBench({ runs: at > 0 ? Number(process.argv[at + 1]) : undefined })
    .then((rows) => console.log(lambdaBenchTable(rows).join('\n')))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
