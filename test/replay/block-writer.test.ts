import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { blockKey, isBlockOf, parseBlockKey } from '../../lib/replay/block-key';
import { insertBlockRows } from '../../lib/replay/block-ledger';
import { blockLines, buildBlock, comparableSequence, streamPosition, type BlockInput } from '../../lib/replay/block-writer';
import { click, meta } from './replay-harness';
import { openReplayStore, sessionRow } from './replay-store';

const T0 = Date.UTC(2026, 10, 23, 20, 0, 0);
const input = (overrides: Partial<BlockInput> = {}): BlockInput => ({
  teamId: 3,
  sessionId: 'sess-a',
  distinctId: 'u',
  snapshotSource: 'web',
  snapshotLibrary: 'web',
  retentionDays: 30,
  sequenceNumbers: [streamPosition('shardId-000000000000', '7'), streamPosition('shardId-000000000000', '9')],
  fallbackMs: T0,
  events: [
    { windowId: 'w', event: meta(T0, 'https://a.example/') },
    { windowId: 'w', event: click(T0 + 1500) },
  ],
  ...overrides,
});

describe('block writer', () => {
  test('JSONL of [windowId, event] lines, gzipped, under a key made of the session, the time range and a content hash', () => {
    const block = buildBlock(input());
    expect(block.key).toMatch(new RegExp(`^replay/30d/3/sess-a/${T0}-${T0 + 1500}-[0-9a-f]{24}\\.jsonl\\.gz$`));
    expect(gunzipSync(block.body).toString()).toBe(`["w",${JSON.stringify(meta(T0, 'https://a.example/'))}]\n["w",${JSON.stringify(click(T0 + 1500))}]\n`);
    expect(blockLines(block.body)).toBe(gunzipSync(block.body).toString());
    expect(block.row).toMatchObject({
      team_id: 3,
      session_id: 'sess-a',
      block_key: block.key,
      first_timestamp: '2026-11-23 20:00:00.000',
      last_timestamp: '2026-11-23 20:00:01.500',
      first_url: 'https://a.example/',
      click_count: 1,
      message_count: 2,
      event_count: 2,
      size: gunzipSync(block.body).length,
      first_sequence_number: `shardId-000000000000|${comparableSequence('7')}`,
      last_sequence_number: `shardId-000000000000|${comparableSequence('9')}`,
      retention_period_days: 30,
    });
  });

  test('immutable by construction: the same records give the same key and bytes; any other content or records, another key', () => {
    const a = buildBlock(input());
    expect(buildBlock(input())).toEqual(a);
    expect(buildBlock(input({ sequenceNumbers: [streamPosition('shardId-000000000000', '7'), streamPosition('shardId-000000000000', '10')] })).key).not.toBe(a.key);
    expect(buildBlock(input({ events: [{ windowId: 'w', event: meta(T0, 'https://a.example/') }, { windowId: 'w', event: click(T0 + 1500 - 0) }, { windowId: 'x', event: {} }] })).key).not.toBe(a.key);
  });

  test('sequence numbers of any width compare as strings once padded', () => {
    const seqs = ['9', '10', '49590338271490256608559692538361571095921575989136588898', '00000000000000000011'];
    const sorted = [...seqs].map(comparableSequence).sort();
    expect(sorted.map((s) => BigInt(s))).toEqual([...seqs].map((s) => BigInt(s)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  });

  test('keys parse back; team and session checks hold', () => {
    const key = blockKey({ retentionDays: 90, teamId: 12, sessionId: 'abc-1', firstTimestamp: 5, lastTimestamp: 9, content: Buffer.from('x'), sequenceNumbers: ['1'] });
    expect(parseBlockKey(key)).toEqual({ retentionDays: 90, teamId: 12, sessionId: 'abc-1', firstTimestamp: 5, lastTimestamp: 9 });
    expect(isBlockOf(key, 12, 'abc-1')).toBe(true);
    expect(isBlockOf(key, 13, 'abc-1')).toBe(false);
    expect(isBlockOf(key, 12, 'abc')).toBe(false);
    for (const bad of ['replay/31d/1/s/1-2-ab.jsonl.gz', 'replay/30d/1/../1-2-ab.jsonl.gz', 'dead-letters/x', `${key}.tmp`]) expect(parseBlockKey(bad)).toBeUndefined();
  });
});

describe('block rows in ClickHouse', () => {
  let store: AnalyticsStore;
  beforeAll(async () => {
    store = await openReplayStore();
  });
  afterAll(async () => {
    await store.close();
  });

  test('a repeated insert of the same rows (the guard behind the range check) changes nothing, in the rows or the aggregate', async () => {
    const session = `s-${randomUUID()}`;
    const rows = [buildBlock(input({ sessionId: session })).row, buildBlock(input({ sessionId: session, sequenceNumbers: [streamPosition('shardId-000000000000', '11')], events: [{ windowId: 'w', event: click(T0 + 9000) }] })).row];
    await insertBlockRows(store, rows);
    await insertBlockRows(store, [...rows].reverse());
    const [{ n }] = await store.query<{ n: string }>('SELECT count() AS n FROM session_replay_blocks WHERE session_id = {s:String}', { params: { s: session } });
    expect(Number(n)).toBe(2);
    expect(await sessionRow(store, 3, session)).toMatchObject({ clicks: 2, events: 3, messages: 3, first_url: 'https://a.example/' });
  });
});
