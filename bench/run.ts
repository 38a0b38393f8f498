/**
 * `npm run bench [-- capture ingest insert flags replay lambda ...]`: runs the benchmarks and prints their tables, with
 * the machine they ran on. Copy the figures into docs/benchmarks.md with the date.
 */
import os from 'node:os';
import { runCaptureBench } from './capture.bench';
import { runIngestBench } from './ingest.bench';

type Bench = () => Promise<string[]>;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const benches: Record<string, Bench> = {
  async capture() {
    const r = await runCaptureBench();
    return [
      `### capture (${r.rows.length > 0 ? '50 events/batch' : ''}, ${Math.round(r.bytesPerEvent)} B/event, gzip ${r.gzipRatio.toFixed(1)}×)`,
      '',
      '| case | µs/batch | events/s | × baseline | goal |',
      '|---|---:|---:|---:|---|',
      ...r.rows.map((row, i) => `| ${row.name} | ${row.usPerBatch.toFixed(1)} | ${fmt(row.eventsPerSecond)} | ${row.ratio.toFixed(2)} | ${i === 0 ? '' : '≥ 0.50'} |`),
    ];
  },
  async ingest() {
    const r = await runIngestBench();
    return [
      '### ingest (HTTP → capture → log → persons → log → chDB, one `npm start` process)',
      '',
      '| figure | value | goal |',
      '|---|---:|---|',
      `| sustained events/s (${fmt(r.throughput.events)} events in ${r.throughput.seconds.toFixed(1)} s, ${r.throughput.failedRequests} failed requests) | ${fmt(r.throughput.eventsPerSecond)} | ≥ 20,000 |`,
      `| freshness p50 / p95 / p99 / max at ${fmt(r.freshness.achievedRate)} events/s offered (target ${fmt(r.freshness.rate)}) | ${fmt(r.freshness.p50)} / ${fmt(r.freshness.p95)} / ${fmt(r.freshness.p99)} / ${fmt(r.freshness.max)} ms | p95 ≤ 2,000 ms |`,
    ];
  },
  async insert() {
    const { runEventsInsertBench } = await import('./events-insert.bench');
    const r = await runEventsInsertBench();
    return [
      `### events insert (chDB CPU per row, ${fmt(r.rows)} rows of ${fmt(r.bytesPerRow)} B as the loader sends them)`,
      '',
      '| case | CPU µs/row | × baseline |',
      '|---|---:|---:|',
      `| baseline: each of the 16 computed columns parses \`properties\` (before migration 6) | ${r.ownPerRow.toFixed(1)} | 1.00 |`,
      `| one parse for all of them (one shared JSONExtract tuple) | ${r.onePerRow.toFixed(1)} | **${r.ratio.toFixed(2)}** |`,
    ];
  },
  async flags() {
    const { runFlagsEvalBench, runFlagsHttpBenchInChild } = await import('./flags.bench');
    const e = await runFlagsEvalBench();
    const h = await runFlagsHttpBenchInChild();
    return [
      `### flags (${e.flags} flags: 20 % property filters, 10 % cohorts, 10 % multivariate; ${fmt(e.persons)} persons)`,
      '',
      '| figure | value | goal |',
      '|---|---:|---|',
      `| posthog-node ${'5.70'} local evaluator: persons/s (all flags each) | ${fmt(e.posthogNodePerSecond)} | |`,
      `| our evaluation core: persons/s (agreeing on ${fmt(e.agreed)} of ${fmt(e.compared)} answers) | ${fmt(e.oursPerSecond)} (**${e.ratio.toFixed(1)}×**) | ≥ 2× |`,
      `| POST /flags/?v=2 on \`npm start\`, ${fmt(h.sent)} requests offered at ${fmt(h.rate)}/s (achieved ${fmt(h.achievedRate)}/s, ${h.failed} failed): p50 / p90 / p99 / max | ${h.p50.toFixed(2)} / ${h.p90.toFixed(2)} / **${h.p99.toFixed(2)}** / ${h.max.toFixed(1)} ms | p99 ≤ 5 ms |`,
      `| the same load against an empty node:http server answering the same bytes (this machine's floor): p50 / p99 | ${h.floor.p50.toFixed(2)} / ${h.floor.p99.toFixed(2)} ms | |`,
      `| each stored person's first request, one at a time (reads Postgres): p50 / p99 | ${h.coldP50.toFixed(2)} / ${h.coldP99.toFixed(2)} ms | |`,
    ];
  },
  async replay() {
    const { runReplayBench, replayBenchTable } = await import('./replay.bench');
    return replayBenchTable(await runReplayBench());
  },
  async lambda() {
    const { runLambdaBench } = await import('./lambda.bench');
    const rows = await runLambdaBench();
    return [
      '### Lambda bundles (esbuild as the CDK factory builds them)',
      '',
      '| function | bundle | gzip | module init (median of 5) | goal |',
      '|---|---:|---:|---:|---|',
      ...rows.map((r) => `| ${r.name} | ${fmt(r.bytes / 1024)} KB | ${fmt(r.gzipBytes / 1024)} KB | ${r.initMs.toFixed(0)} ms | ≤ 1 MB, ≤ 150 ms |`),
    ];
  },
  // Insight queries on 10M events generated into their own chDB folder (a few minutes on two
  // cores); HEDGEROW_BENCH_SKIP_QUERY=1 skips it.
  async query() {
    if (process.env.HEDGEROW_BENCH_SKIP_QUERY === '1') return ['### insight queries: skipped (HEDGEROW_BENCH_SKIP_QUERY=1)'];
    const { queryBenchTable, runQueryBench } = await import('./query.bench');
    return queryBenchTable(await runQueryBench());
  },
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length ? wanted : Object.keys(benches);
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, node ${process.version}`);
  console.log(`Date: ${new Date().toISOString().slice(0, 10)}\n`);
  for (const name of names) {
    const bench = benches[name];
    if (!bench) throw new Error(`unknown bench ${name}; have ${Object.keys(benches).join(', ')}`);
    console.log((await bench()).join('\n') + '\n');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
