/**
 * Ingestion end to end on this machine: HTTP POSTs of posthog-js-shaped gzip batches to a running
 * Hedgerow (a separate `npm start` process) until the rows are queryable in chDB.
 *
 *  - sustained events/s: events sent as fast as the server answers, divided by the time from
 *    the first capture to the last row inserted into ClickHouse;
 *  - freshness: for every event, ClickHouse `inserted_at` minus capture's receive time
 *    (`created_at`), p50/p95/p99, in a second phase at a fixed rate (the goal's 20k events/s).
 *
 *   npx ts-node --transpile-only bench/ingest.bench.ts [--seconds 20] [--rate 20000]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { openAnalyticsStore } from '../lib/platform/ports';
import { eventually, startHedgerow, type RunningHedgerow } from '../test/support/hedgerow-process';
import { makePosthogJsBatch } from './capture.bench';
import { runClosedLoopLoadApart } from './support/load-apart';

const FIXTURE = path.join(__dirname, '../test/fixtures/sdk-wire/posthog-js/05-i_v0_e.json');
const EVENTS_PER_BATCH = 50;

/** 80 % anonymous visitors (personless, as posthog-js sends them), 20 % identified users from a pool of 2,000. */
function makeBodies(count: number, token: string): Buffer[] {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  return Array.from({ length: count }, (_, i) => {
    const body = JSON.parse(makePosthogJsBatch(i, fixture)) as { api_key: string; batch: { uuid?: string; properties: Record<string, unknown> }[] };
    body.api_key = token;
    const identified = i % 5 === 0;
    const distinctId = identified ? `user-${i % 2000}` : randomUUID();
    for (const e of body.batch) {
      delete e.uuid; // the server assigns UUIDv7s, so that cycling through the bodies never repeats an event
      e.properties.token = token;
      e.properties.distinct_id = distinctId;
      e.properties.$process_person_profile = identified;
      if (identified) e.properties.$set = { plan: `plan-${i % 3}`, email: `${distinctId}@example.com` };
    }
    return gzipSync(JSON.stringify(body));
  });
}

async function waitCaughtUp(h: RunningHedgerow): Promise<void> {
  await eventually(async () => {
    const health = (await (await fetch(`${h.url}/_health`)).json()) as { consumers: Record<string, { lag_bytes: number }> };
    return Object.values(health.consumers).every((c) => c.lag_bytes === 0);
  }, 600_000);
}

/**
 * Sends bodies with `concurrency` requests in flight, for `seconds`, at most `rate` events/s, from
 * a node process of its own (support/load-apart.ts) that takes little of the machine's CPU.
 */
async function drive(h: RunningHedgerow, bodies: Buffer[], seconds: number, rate: number | undefined, concurrency = 8): Promise<{ sent: number; failed: number }> {
  const r = await runClosedLoopLoadApart({
    url: `${h.url}/i/v0/e/`,
    headers: { 'content-type': 'text/plain' },
    body: (i) => bodies[i]!,
    distinct: bodies.length,
    seconds,
    concurrency,
    rate: rate === undefined ? undefined : rate / EVENTS_PER_BATCH,
  });
  return { sent: r.ok * EVENTS_PER_BATCH, failed: r.failed };
}

export interface IngestBenchResult {
  readonly throughput: { events: number; failedRequests: number; seconds: number; eventsPerSecond: number };
  readonly freshness: { rate: number; achievedRate: number; events: number; p50: number; p95: number; p99: number; max: number };
}

export async function runIngestBench(options: { seconds?: number; rate?: number } = {}): Promise<IngestBenchResult> {
  const seconds = options.seconds ?? 20;
  const rate = options.rate ?? 20_000;
  const h = await startHedgerow({ env: { LOG_LEVEL: 'error' }, nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) });
  let phase1: { sent: number; failed: number };
  let phase2: { sent: number; failed: number };
  let split = '';
  try {
    const bodies = makeBodies(400, h.token);
    phase1 = await drive(h, bodies, seconds, undefined);
    await waitCaughtUp(h);
    await new Promise((r) => setTimeout(r, 1000));
    split = new Date().toISOString().replace('T', ' ').replace('Z', '');
    phase2 = await drive(h, bodies, seconds, rate);
    await waitCaughtUp(h);
  } finally {
    await h.stop();
    if (process.env.BENCH_SERVER_OUTPUT) console.error(h.output());
  }
  const store = await openAnalyticsStore({ kind: 'chdb', dir: path.join(h.dataDir, 'clickhouse') });
  try {
    // The phases are told apart by capture's receive time (same clock: same machine).
    const [first] = await store.query<{ events: string; seconds: number }>(
      `SELECT count() AS events, dateDiff('millisecond', min(created_at), max(inserted_at)) / 1000 AS seconds FROM events WHERE created_at < {split:DateTime64(6)}`,
      { params: { split } },
    );
    const [second] = await store.query<{ events: string; p50: number; p95: number; p99: number; max: number }>(
      `SELECT count() AS events, quantiles(0.5, 0.95, 0.99)(dateDiff('millisecond', created_at, inserted_at)) AS q, q[1] AS p50, q[2] AS p95, q[3] AS p99,
              max(dateDiff('millisecond', created_at, inserted_at)) AS max
         FROM events WHERE created_at >= {split:DateTime64(6)}`,
      { params: { split } },
    );
    const events = Number(first.events);
    return {
      throughput: { events, failedRequests: phase1.failed, seconds: Number(first.seconds), eventsPerSecond: Math.round(events / Number(first.seconds)) },
      freshness: {
        rate,
        achievedRate: Math.round(phase2.sent / seconds),
        events: Number(second.events),
        p50: second.p50,
        p95: second.p95,
        p99: second.p99,
        max: second.max,
      },
    };
  } finally {
    await store.close();
    h.removeData();
  }
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  runIngestBench({ seconds: arg('seconds'), rate: arg('rate') }).then((r) => console.log(JSON.stringify(r, null, 2)));
}
