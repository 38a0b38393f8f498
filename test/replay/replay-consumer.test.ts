import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { createBlobDeadLetterStore } from '../../lib/dead-letters/dead-letter-store';
import { silentLogger } from '../../lib/observability/logger';
import { MemoryMetrics } from '../../lib/observability/metrics';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import type { BusRecord } from '../../lib/ports/bus';
import type { Database } from '../../lib/ports/database';
import { parseBlockKey } from '../../lib/replay/block-key';
import { createReplayConsumer, type ReplayConsumerDeps } from '../../lib/replay/replay-consumer';
import { buildReplayRecords, type ReplayRecordHeader } from '../../lib/replay/replay-record';
import { batchOf, click, compressedMutation, consoleLog, fixtureEvents, fullSnapshot, input, meta, mouseMove } from './replay-harness';
import { blockRows, FlakyBlobs, openReplayStore, sessionRow, tempBlobs } from './replay-store';

let store: AnalyticsStore;
beforeAll(async () => {
  store = await openReplayStore();
});
afterAll(async () => {
  await store.close();
});

const TEAM = 5;
const T0 = Date.UTC(2026, 10, 23, 20, 0, 0);

function header(sessionId: string): ReplayRecordHeader {
  return { teamId: TEAM, token: 'phc_t', sessionId, distinctId: 'user-1', nowIso: new Date(T0).toISOString(), snapshotSource: 'web', snapshotLibrary: 'web' };
}

/** The records capture would write for these items (one request). */
function records(sessionId: string, items: unknown[], windowId = 'w1', maxBytes?: number): BusRecord[] {
  return buildReplayRecords(header(sessionId), [{ windowId, items: items.map((i) => JSON.stringify(i)) }], maxBytes);
}

function consumer(overrides: Partial<ReplayConsumerDeps> = {}) {
  const { blobs } = tempBlobs();
  const metrics = new MemoryMetrics();
  const deps = { blobs, store, deadLetters: createBlobDeadLetterStore(blobs), logger: silentLogger, metrics, ...overrides };
  return { handler: createReplayConsumer(deps), blobs: deps.blobs, metrics, deadLetters: deps.deadLetters };
}

async function storedLines(blobs: { get(key: string): Promise<Buffer | undefined> }, key: string): Promise<[string, Record<string, unknown>][]> {
  const body = await blobs.get(key);
  return gunzipSync(body!).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
}

describe('replay consumer', () => {
  test('a batch becomes one block per session, with plain rrweb events and its metadata row', async () => {
    const session = `s-${randomUUID()}`;
    const { handler, blobs, metrics } = consumer();
    const items = [...fixtureEvents(), compressedMutation(T0 + 100, { adds: [{ parentId: 1, node: { type: 3, id: 9 } }], removes: [], texts: [], attributes: [] }), consoleLog(T0 + 200, 'error')];
    const result = await handler(batchOf([...records(session, items.slice(0, 10)), ...records(session, items.slice(10), 'w2')]));
    expect(result).toEqual({ batchItemFailures: [] });

    const rows = await blockRows(store, TEAM, session);
    expect(rows).toHaveLength(1);
    const key = rows[0].block_key;
    expect(key).toMatch(new RegExp(`^replay/30d/${TEAM}/${session}/\\d+-\\d+-[0-9a-f]{24}\\.jsonl\\.gz$`));
    expect(parseBlockKey(key)).toMatchObject({ retentionDays: 30, teamId: TEAM, sessionId: session });

    const lines = await storedLines(blobs, key);
    expect(lines).toHaveLength(items.length);
    expect(lines.map(([w]) => w)).toEqual([...Array(10).fill('w1'), ...Array(items.length - 10).fill('w2')]);
    expect(lines.every(([, e]) => e.cv === undefined)).toBe(true);
    expect(typeof lines.find(([, e]) => e.type === 2)![1].data).toBe('object');
    expect(lines[20][1]).toEqual({ type: 3, timestamp: T0 + 100, data: { source: 0, adds: [{ parentId: 1, node: { type: 3, id: 9 } }], removes: [], texts: [], attributes: [] } });

    expect(await sessionRow(store, TEAM, session)).toMatchObject({
      did: 'user-1',
      clicks: 2,
      keys: 1,
      mouse: 13,
      active: 500,
      errors: 1,
      logs: 0,
      events: 22,
      messages: 2,
      first_url: 'http://127.0.0.1:8011/',
      urls: ['http://127.0.0.1:8011/'],
      blocks: [key],
      retention: 30,
    });
    expect(metrics.get('replay_blocks_written')).toBe(1);
  });

  test('redelivery of the same batch: the same block key, written once, counters not doubled', async () => {
    const session = `s-${randomUUID()}`;
    const { handler, blobs, metrics } = consumer();
    const batch = batchOf(records(session, [meta(T0, 'https://a.example/'), click(T0 + 1), click(T0 + 2)]), 100);
    await handler(batch);
    const [first] = await blockRows(store, TEAM, session);
    const before = await blobs.list(`replay/30d/${TEAM}/${session}/`);
    await handler(batch);
    await handler(batch);
    expect(await blockRows(store, TEAM, session)).toEqual([first]);
    expect(await blobs.list(`replay/30d/${TEAM}/${session}/`)).toEqual(before);
    expect(await sessionRow(store, TEAM, session)).toMatchObject({ clicks: 2, events: 3, messages: 1 });
    expect(metrics.get('replay_records_deduplicated')).toBe(2);
  });

  test('redelivery with other batch boundaries (partial failure, bisect) stores every record exactly once', async () => {
    const session = `s-${randomUUID()}`;
    const { handler } = consumer();
    const all = [1, 2, 3, 4, 5].flatMap((i) => records(session, [click(T0 + i * 1000)]));
    const batch = (from: number, to: number) => ({ Records: batchOf(all, 1).Records.slice(from, to) });
    await handler(batch(0, 3)); // records 1-3
    await handler(batch(1, 5)); // 2-3 again (skipped) and 4-5
    await handler(batch(2, 4)); // 3-4 again
    await handler(batch(0, 5)); // everything again
    const rows = await blockRows(store, TEAM, session);
    expect(rows.map((r) => Number(r.event_count))).toEqual([3, 2]);
    expect(await sessionRow(store, TEAM, session)).toMatchObject({ clicks: 5, events: 5, messages: 5 });
  });

  test('sequence numbers are compared within a shard only (a session moved by a reshard is not mistaken for a redelivery)', async () => {
    const session = `s-${randomUUID()}`;
    const { handler } = consumer();
    await handler(batchOf([...records(session, [click(T0)]), ...records(session, [click(T0 + 1)])], 1, 'shardId-000000000000'));
    await handler(batchOf(records(session, [click(T0 + 2)]), 2, 'shardId-000000000001')); // same number, another shard
    expect(await sessionRow(store, TEAM, session)).toMatchObject({ clicks: 3, messages: 3 });
  });

  test('a failed insert after the blocks were written: the retry writes the same keys and counts once', async () => {
    const session = `s-${randomUUID()}`;
    const { blobs } = tempBlobs();
    let fail = true;
    const flakyStore: AnalyticsStore = {
      query: (sql, o) => store.query(sql, o),
      command: (sql, o) => store.command(sql, o),
      insertJsonLines: (t, l, o) => store.insertJsonLines(t, l, o),
      close: async () => {},
      insert: (t, rows, o) => (fail ? Promise.reject(new Error('ClickHouse down')) : store.insert(t, rows, o)),
    };
    const { handler } = consumer({ blobs, store: flakyStore });
    const batch = batchOf(records(session, [click(T0), input(T0 + 5)]), 7);
    await expect(handler(batch)).rejects.toThrow('ClickHouse down');
    const written = await blobs.list(`replay/30d/${TEAM}/${session}/`);
    expect(written).toHaveLength(1);
    fail = false;
    await handler(batch);
    expect(await blobs.list(`replay/30d/${TEAM}/${session}/`)).toEqual(written);
    expect((await blockRows(store, TEAM, session)).map((r) => r.block_key)).toEqual(written);
    expect(await sessionRow(store, TEAM, session)).toMatchObject({ clicks: 1, keys: 1 });
  });

  test('a session whose block cannot be written is reported failed; the others are stored', async () => {
    const good = `s-${randomUUID()}`;
    const bad = `s-${randomUUID()}`;
    const { blobs } = tempBlobs();
    const flaky = new FlakyBlobs(blobs);
    flaky.failing = new RegExp(bad);
    const { handler } = consumer({ blobs: flaky });
    const batch = batchOf([...records(good, [click(T0)]), ...records(bad, [click(T0)]), ...records(bad, [click(T0 + 1)])], 1);
    const result = await handler(batch);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([batch.Records[1].kinesis.sequenceNumber, batch.Records[2].kinesis.sequenceNumber]);
    expect(await blockRows(store, TEAM, good)).toHaveLength(1);
    expect(await blockRows(store, TEAM, bad)).toHaveLength(0);
    // Lambda's ESM resumes at the first failed record: the good one is not re-counted.
    flaky.failing = undefined;
    expect(await handler({ Records: batch.Records.slice(1) })).toEqual({ batchItemFailures: [] });
    expect(await sessionRow(store, TEAM, bad)).toMatchObject({ clicks: 2 });
    expect(await sessionRow(store, TEAM, good)).toMatchObject({ clicks: 1 });
  });

  test('unreadable records go to the dead-letter store and never poison the batch', async () => {
    const session = `s-${randomUUID()}`;
    const { handler, deadLetters, metrics } = consumer();
    const batch = batchOf([{ partitionKey: 'x', data: Buffer.from('not json') }, ...records(session, [click(T0)]), { partitionKey: 'x', data: Buffer.from('{"v":1,"team_id":"x"}') }]);
    expect(await handler(batch)).toEqual({ batchItemFailures: [] });
    expect(await blockRows(store, TEAM, session)).toHaveLength(1);
    const letters = await deadLetters.list('replay-consumer');
    expect(letters.map((l) => l.reason)).toEqual(['unparseable_record', 'unparseable_record']);
    expect(Buffer.from(letters[0].data, 'base64').toString()).toBe('not json');
    expect(metrics.get('replay_dead_letters', { reason: 'unparseable_record' })).toBe(2);
  });

  test('an event larger than a stream record: its parts wait across batches, then it is stored whole', async () => {
    const session = `s-${randomUUID()}`;
    const { handler, blobs } = consumer();
    const big = fullSnapshot(T0 + 10, { type: 0, id: 1, childNodes: [{ type: 3, id: 2, textContent: 'x'.repeat(30_000) }] });
    const plainBig = { type: 2, timestamp: T0 + 10, data: { node: { type: 0, id: 1, childNodes: [{ type: 3, id: 2, textContent: 'x'.repeat(30_000) }] }, initialOffset: { top: 0, left: 0 } } };
    const recs = records(session, [meta(T0, 'https://a.example/'), { ...plainBig, timestamp: T0 + 5 }, big, click(T0 + 20)], 'w1', 12_000);
    expect(recs.length).toBeGreaterThan(4);
    let seq = 1;
    for (const r of recs) await handler(batchOf([r], seq++)); // one record per batch
    const rows = await blockRows(store, TEAM, session);
    const lines = (await Promise.all(rows.map((r) => storedLines(blobs, r.block_key)))).flat().map(([, e]) => e);
    expect(lines.map((e) => [e.type, e.timestamp])).toEqual([[4, T0], [2, T0 + 5], [2, T0 + 10], [3, T0 + 20]]);
    expect(lines[2]).toEqual(plainBig); // inflated too
    expect(await blobs.list('replay-parts/')).toEqual([]);
    expect(await sessionRow(store, TEAM, session)).toMatchObject({ events: 4, clicks: 1 });
  });

  test('projects without replay are dropped; retention comes from the project', async () => {
    const off = `s-${randomUUID()}`;
    const on = `s-${randomUUID()}`;
    const settings: Record<number, { opt_in: boolean; retention: number }> = { 5: { opt_in: true, retention: 90 }, 6: { opt_in: false, retention: 30 } };
    const db = { query: async (_sql: string, params?: readonly unknown[]) => ({ rows: settings[params![0] as number] ? [settings[params![0] as number]] : [] }) } as unknown as Database;
    const { handler, metrics } = consumer({ db });
    const other = buildReplayRecords({ ...header(off), teamId: 6 }, [{ windowId: 'w', items: [JSON.stringify(click(T0))] }]);
    const unknownTeam = buildReplayRecords({ ...header(off), teamId: 999 }, [{ windowId: 'w', items: [JSON.stringify(click(T0))] }]);
    await handler(batchOf([...other, ...unknownTeam, ...records(on, [click(T0), mouseMove(T0 + 1)])]));
    expect(metrics.get('replay_records_dropped', { drop_cause: 'recording_disabled' })).toBe(2);
    const [row] = await blockRows(store, TEAM, on);
    expect(row.block_key.startsWith(`replay/90d/${TEAM}/${on}/`)).toBe(true);
    expect(await sessionRow(store, TEAM, on)).toMatchObject({ retention: 90 });
    expect(await blockRows(store, 6, off)).toHaveLength(0);
  });
});
