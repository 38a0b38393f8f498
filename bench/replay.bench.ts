/**
 * Session replay on this machine, in one process on the local adapters:
 *
 *  - ingest: posthog-js-shaped `/s/` requests (cv:"2024-10" full snapshots and mutations, mouse,
 *    clicks, typing, console) through the capture handler onto the durable local log, then the
 *    replay consumer under LogConsumer (Lambda ESM batches) into the folder blob store and chDB.
 *    Snapshot MB/s = the `$snapshot_data` JSON posthog-js sent (before its gzip) ÷ consumer time.
 *  - fetch: a 30-minute session (a request every 2 s, one consumer batch per 10 s of it, as with a
 *    10 s batching window) read back through the recordings API handler as PostHog's player does:
 *    the sources, then every block in requests of up to 20; latency per whole session.
 *
 *   npx ts-node --transpile-only bench/replay.bench.ts [--sessions 40] [--requests 30] [--rounds 7]
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createOrganization, createPersonalApiKey, createTeam, createUser } from '../lib/accounts/accounts-repository';
import { FileLog } from '../lib/adapters/local/file-log/file-log';
import { FolderBlobStore } from '../lib/adapters/local/folder-blob-store';
import { LogConsumer } from '../lib/adapters/local/file-log/log-consumer';
import { registerSessionRecordingRoutes } from '../lib/api/session-recordings-api';
import { migrateClickHouse } from '../lib/clickhouse/migrate';
import { createBlobDeadLetterStore } from '../lib/dead-letters/dead-letter-store';
import { Router, withErrorHandling } from '../lib/http/router';
import type { HttpRequest } from '../lib/http/types';
import { silentLogger } from '../lib/observability/logger';
import { MemoryMetrics } from '../lib/observability/metrics';
import { openAnalyticsStore } from '../lib/platform/ports';
import type { BusRecord, StreamBatch } from '../lib/ports/bus';
import { createReplayCaptureHandler } from '../lib/replay/replay-capture-handler';
import { createReplayConsumer } from '../lib/replay/replay-consumer';
import { updateTeamReplaySettings } from '../lib/replay/replay-settings';
import { createTestPglite } from '../test/support/pglite';

const latin1Gzip = (value: unknown) => gzipSync(Buffer.from(JSON.stringify(value))).toString('latin1');

/** A page of ~`nodes` DOM nodes as rrweb serialises it. */
function domTree(nodes: number, seed: number) {
  let id = 1;
  const el = (tag: string, children: unknown[], attributes: Record<string, string> = {}) => ({ type: 2, tagName: tag, attributes, childNodes: children, id: id++ });
  const text = (t: string) => ({ type: 3, textContent: t, id: id++ });
  const rows = Array.from({ length: Math.max(1, Math.floor(nodes / 4)) }, (_, i) =>
    el('div', [el('span', [text(`Item ${seed}-${i}: lorem ipsum dolor sit amet ${i * 7919 % 1000}`)], { class: `label c${i % 13}` }), el('a', [], { href: `/item/${i}` })], { class: 'row', 'data-i': String(i) }),
  );
  return { node: { type: 0, childNodes: [el('html', [el('head', [el('title', [text('Bench page')])]), el('body', rows)])], id: 0 }, initialOffset: { top: 0, left: 0 } };
}

/** One flush of posthog-js' recorder (~2 s of a user on a page). */
function flush(t: number, i: number, first: boolean): unknown[] {
  const items: unknown[] = [];
  if (first) {
    items.push({ type: 4, timestamp: t, data: { href: `https://shop.example/page/${i}`, width: 1280, height: 720 } });
    items.push({ type: 2, timestamp: t + 5, cv: '2024-10', data: latin1Gzip(domTree(2000, i)) });
  }
  for (let k = 0; k < 20; k++) items.push({ type: 3, timestamp: t + 50 * k, data: { source: 1, positions: [{ x: (k * 37) % 1280, y: (k * 91) % 720, id: 40 + k, timeOffset: -k }] } });
  items.push({ type: 3, timestamp: t + 1000, data: { source: 2, type: 2, id: 41, x: 100, y: 200 } });
  items.push({ type: 3, timestamp: t + 1200, data: { source: 5, text: '*'.repeat(i % 9), isChecked: false, id: 55 } });
  for (let k = 0; k < 3; k++) {
    const adds = [{ parentId: 10 + k, nextId: null, node: { type: 2, tagName: 'li', attributes: { class: 'new' }, childNodes: [], id: 100_000 + i * 10 + k } }];
    items.push({ type: 3, timestamp: t + 1300 + k, cv: '2024-10', data: { source: 0, adds: latin1Gzip(adds), removes: latin1Gzip([]), texts: latin1Gzip([{ id: 12, value: `v${i}` }]), attributes: latin1Gzip([]) } });
  }
  items.push({ type: 6, timestamp: t + 1500, data: { plugin: 'rrweb/console@1', payload: { level: i % 10 === 0 ? 'error' : 'log', payload: [`"tick ${i}"`], trace: [] } } });
  return items;
}

function request(token: string, sessionId: string, items: unknown[]): { req: HttpRequest; snapshotBytes: number } {
  const body = [{ event: '$snapshot', properties: { $snapshot_data: items, $session_id: sessionId, $window_id: `${sessionId}-w`, $lib: 'web', token, distinct_id: `user-${sessionId.slice(0, 8)}` } }];
  return {
    req: { method: 'POST', path: '/s/', query: new URLSearchParams(), headers: { 'content-type': 'text/plain' }, body: gzipSync(JSON.stringify(body)), sourceIp: '127.0.0.1' },
    snapshotBytes: Buffer.byteLength(JSON.stringify(items)),
  };
}

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export interface ReplayBenchResult {
  readonly ingest: { sessions: number; requests: number; snapshotMB: number; inflatedMB: number; storedMB: number; blocks: number; seconds: number; mbPerSecond: number; captureMbPerSecond: number };
  readonly fetch: { minutes: number; events: number; blocks: number; requests: number; bytes: number; p50: number; p95: number; max: number };
}

export async function runReplayBench(options: { sessions?: number; requests?: number; rounds?: number } = {}): Promise<ReplayBenchResult> {
  const sessions = options.sessions ?? arg('sessions', 40);
  const perSession = options.requests ?? arg('requests', 30);
  const rounds = options.rounds ?? arg('rounds', 7);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-replay-bench-'));
  const store = await openAnalyticsStore({ kind: 'chdb', dir: path.join(dir, 'clickhouse') });
  const db = await createTestPglite();
  const log = FileLog.open({ dir: path.join(dir, 'bus'), shards: 2 });
  try {
    await migrateClickHouse(store);
    const blobs = new FolderBlobStore(path.join(dir, 'blobs'));
    const org = await createOrganization(db, 'Bench');
    const team = await createTeam(db, { organizationId: org.id, name: 'Bench', apiToken: 'phc_replay_bench' });
    await updateTeamReplaySettings(db, team.id, { optIn: true });
    const user = await createUser(db, { email: 'bench@example.com', organizationId: org.id });
    const key = (await createPersonalApiKey(db, { userId: user.id, label: 'bench' })).value;
    const deadLetters = createBlobDeadLetterStore(blobs);
    const metrics = new MemoryMetrics();
    const consumer = createReplayConsumer({ blobs, store, db, deadLetters, logger: silentLogger, metrics });

    // ---- ingest: capture everything onto the log, then time the consumer draining it
    const capture = createReplayCaptureHandler({ bus: log, tokens: { lookup: async (token) => (token === team.apiToken ? { teamId: team.id, token } : undefined) }, logger: silentLogger });
    const t0 = Date.now() - 3600_000;
    const requests = Array.from({ length: sessions }, () => randomUUID()).flatMap((sid, s) =>
      Array.from({ length: perSession }, (_, r) => request(team.apiToken, sid, flush(t0 + s * 10 + r * 2000, s * perSession + r, r === 0))),
    );
    const snapshotBytes = requests.reduce((sum, r) => sum + r.snapshotBytes, 0);
    const captureStart = process.hrtime.bigint();
    for (const { req } of requests) if ((await capture(req)).status !== 200) throw new Error('capture refused a request');
    const captureSeconds = Number(process.hrtime.bigint() - captureStart) / 1e9;
    const runner = new LogConsumer(log, { name: 'replay-consumer', stream: 'recordings', handler: consumer, deadLetters, logger: silentLogger, batchSize: 100 });
    const start = process.hrtime.bigint();
    runner.start();
    await runner.drain(600_000);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    await runner.stop();
    const ingestBlocks = metrics.get('replay_blocks_written');
    const inflatedBytes = metrics.get('replay_bytes_written');
    const storedBytes = (await blobs.list('replay/')).reduce((sum, k) => sum + fs.statSync(path.join(dir, 'blobs', k)).size, 0);

    // ---- fetch: a 30-minute session, one consumer batch per 10 s of it
    const long = randomUUID();
    const minutes = 30;
    const records: BusRecord[] = [];
    const bus = { put: async (_s: string, rs: readonly BusRecord[]) => void records.push(...rs), close: async () => {} };
    const longCapture = createReplayCaptureHandler({ bus, tokens: { lookup: async (token) => ({ teamId: team.id, token }) }, logger: silentLogger });
    let events = 0;
    for (let r = 0; r < (minutes * 60) / 2; r++) {
      const items = flush(t0 + r * 2000, r, r === 0);
      events += items.length;
      await longCapture(request(team.apiToken, long, items).req);
    }
    const perBatch = 5;
    for (let i = 0; i < records.length; i += perBatch) await consumer(batchOf(records.slice(i, i + perBatch), i + 1));

    const router = new Router();
    registerSessionRecordingRoutes(router, { db, store, blobs });
    const api = withErrorHandling((req) => router.handle(req), silentLogger);
    const get = async (pathAndQuery: string) => {
      const url = new URL(pathAndQuery, 'http://local');
      const res = await api({ method: 'GET', path: url.pathname, query: url.searchParams, headers: { authorization: `Bearer ${key}` }, body: Buffer.alloc(0), sourceIp: '127.0.0.1' });
      if (res.status !== 200) throw new Error(`${pathAndQuery}: ${res.status} ${String(res.body)}`);
      return String(res.body);
    };
    const base = `/api/projects/${team.id}/session_recordings/${long}`;
    const timings: number[] = [];
    let bytes = 0;
    let calls = 0;
    let blocks = 0;
    for (let round = 0; round < rounds; round++) {
      const begin = process.hrtime.bigint();
      await get(`${base}/`);
      const { sources } = JSON.parse(await get(`${base}/snapshots/`)) as { sources: unknown[] };
      blocks = sources.length;
      bytes = 0;
      calls = 2;
      let lines = 0;
      for (let from = 0; from < sources.length; from += 20) {
        const text = await get(`${base}/snapshots/?source=blob_v2&start_blob_key=${from}&end_blob_key=${Math.min(sources.length, from + 20) - 1}`);
        bytes += text.length;
        lines += text.split('\n').length - 1;
        calls++;
      }
      if (lines !== events) throw new Error(`fetched ${lines} events, sent ${events}`);
      timings.push(Number(process.hrtime.bigint() - begin) / 1e6);
    }
    timings.sort((a, b) => a - b);
    return {
      ingest: {
        sessions,
        requests: requests.length,
        snapshotMB: snapshotBytes / 1e6,
        inflatedMB: inflatedBytes / 1e6,
        storedMB: storedBytes / 1e6,
        blocks: ingestBlocks,
        seconds,
        mbPerSecond: snapshotBytes / 1e6 / seconds,
        captureMbPerSecond: snapshotBytes / 1e6 / captureSeconds,
      },
      fetch: { minutes, events, blocks, requests: calls, bytes, p50: percentile(timings, 50), p95: percentile(timings, 95), max: timings[timings.length - 1] },
    };
  } finally {
    await log.close();
    await store.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function batchOf(records: readonly BusRecord[], first: number): StreamBatch {
  return {
    Records: records.map((r, i) => ({
      eventSource: 'aws:kinesis',
      eventID: `shardId-000000000000:${first + i}`,
      kinesis: { data: Buffer.from(r.data).toString('base64'), partitionKey: r.partitionKey, sequenceNumber: String(first + i), approximateArrivalTimestamp: 0 },
    })),
  };
}

/** The table `npm run bench -- replay` prints. */
export function replayBenchTable(r: ReplayBenchResult): string[] {
  const f = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  return [
    `### replay (${r.ingest.sessions} sessions × ${r.ingest.requests / r.ingest.sessions} requests; a 30-minute session read back)`,
    '',
    '| figure | value |',
    '|---|---:|',
    `| ingest: snapshot MB/s through the consumer into the blob folder + chDB (${f(r.ingest.snapshotMB)} MB as sent, ${f(r.ingest.inflatedMB)} MB once cv-inflated, ${r.ingest.blocks} blocks, ${f(r.ingest.storedMB)} MB stored gz, ${f(r.ingest.seconds, 2)} s) | ${f(r.ingest.mbPerSecond)} (${f(r.ingest.inflatedMB / r.ingest.seconds)} inflated) |`,
    `| capture: snapshot MB/s through the /s handler onto the local log | ${f(r.ingest.captureMbPerSecond)} |`,
    `| fetch: ${r.fetch.minutes}-min session (${r.fetch.events.toLocaleString('en-US')} events, ${r.fetch.blocks} blocks, ${r.fetch.requests} API calls, ${f(r.fetch.bytes / 1e6)} MB JSONL) p50 / p95 / max | ${f(r.fetch.p50, 0)} / ${f(r.fetch.p95, 0)} / ${f(r.fetch.max, 0)} ms |`,
  ];
}

if (require.main === module) {
  runReplayBench()
    .then((r) => console.log(replayBenchTable(r).join('\n')))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
