import fc from 'fast-check';
import { buildReplayRecords, parseReplayRecord, replayPartitionKey, type ReplayRecordHeader } from '../../lib/replay/replay-record';

const header: ReplayRecordHeader = {
  teamId: 7,
  token: 'phc_testtoken',
  sessionId: 'sess-1',
  distinctId: 'user-1',
  nowIso: '2026-11-23T20:20:40.000Z',
  snapshotSource: 'web',
  snapshotLibrary: 'web',
};

/** Puts parsed records back together: [windowId, item] in order (chunks joined). */
function reassemble(data: readonly Uint8Array[]): [string, unknown][] {
  const out: [string, unknown][] = [];
  let parts: Buffer[] = [];
  for (const bytes of data) {
    const r = parseReplayRecord(Buffer.from(bytes));
    expect(r.header).toEqual(header);
    if (r.chunk) {
      parts.push(r.chunk.data);
      if (r.chunk.index === r.chunk.count - 1) {
        out.push([r.chunk.windowId, JSON.parse(Buffer.concat(parts).toString('utf8'))]);
        parts = [];
      }
      continue;
    }
    for (const s of r.segments) for (const item of s.items) out.push([s.windowId, item]);
  }
  return out;
}

describe('recordings stream records', () => {
  test('one record per session when it fits, keyed token:session_id', () => {
    const records = buildReplayRecords(header, [{ windowId: 'w1', items: ['{"type":4}', '{"type":2}'] }, { windowId: 'w2', items: ['{"type":3}'] }]);
    expect(records).toHaveLength(1);
    expect(records[0].partitionKey).toBe(replayPartitionKey('phc_testtoken', 'sess-1'));
    expect(JSON.parse(Buffer.from(records[0].data).toString())).toEqual({
      v: 1,
      team_id: 7,
      token: 'phc_testtoken',
      session_id: 'sess-1',
      distinct_id: 'user-1',
      now: header.nowIso,
      snapshot_source: 'web',
      snapshot_library: 'web',
      segments: [
        { window_id: 'w1', items: [{ type: 4 }, { type: 2 }] },
        { window_id: 'w2', items: [{ type: 3 }] },
      ],
    });
  });

  test('no items, no record', () => {
    expect(buildReplayRecords(header, [])).toEqual([]);
    expect(buildReplayRecords(header, [{ windowId: 'w', items: [] }])).toEqual([]);
  });

  test('property: any items split into records under the limit and come back in order', () => {
    const item = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ type: fc.integer({ min: 0, max: 6 }), text: fc.string({ unit: 'binary', maxLength: 3000 }) }));
    fc.assert(
      fc.property(fc.array(fc.record({ windowId: fc.constantFrom('w1', 'w2', 'wé'), items: fc.array(item, { maxLength: 12 }) }), { maxLength: 6 }), fc.integer({ min: 600, max: 4000 }), (segments, maxBytes) => {
        const texts = segments.map((s) => ({ windowId: s.windowId, items: s.items.map((i) => JSON.stringify(i)) }));
        const records = buildReplayRecords(header, texts, maxBytes);
        for (const r of records) expect(r.data.length + Buffer.byteLength(r.partitionKey)).toBeLessThanOrEqual(maxBytes);
        const expected = segments.flatMap((s) => s.items.map((i) => [s.windowId, JSON.parse(JSON.stringify(i))]));
        expect(reassemble(records.map((r) => r.data))).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  test('an item larger than a record travels as chunks, never refused', () => {
    const big = JSON.stringify({ type: 2, data: 'é✓'.repeat(600_000), timestamp: 1 }); // ~3 MB of UTF-8
    const records = buildReplayRecords(header, [{ windowId: 'w', items: ['{"type":4}', big, '{"type":3}'] }]);
    expect(records.length).toBeGreaterThanOrEqual(5);
    for (const r of records) expect(r.data.length + Buffer.byteLength(r.partitionKey)).toBeLessThanOrEqual(1_000_000);
    const back = reassemble(records.map((r) => r.data));
    expect(back.map(([, i]) => (i as { type: number }).type)).toEqual([4, 2, 3]);
    expect(JSON.stringify(back[1][1])).toBe(big);
    const chunks = records.map((r) => parseReplayRecord(Buffer.from(r.data)).chunk).filter(Boolean);
    expect(new Set(chunks.map((c) => c!.id)).size).toBe(1);
    expect(chunks.map((c) => c!.index)).toEqual(chunks.map((_, i) => i));
  });

  test.each([
    ['not JSON', '{'],
    ['another version', '{"v":2}'],
    ['a bad session id', JSON.stringify({ v: 1, team_id: 1, token: 't', session_id: 'a/b', distinct_id: 'd', now: 'x', segments: [] })],
    ['no segments', JSON.stringify({ v: 1, team_id: 1, token: 't', session_id: 's', distinct_id: 'd', now: 'x' })],
    ['a bad segment', JSON.stringify({ v: 1, team_id: 1, token: 't', session_id: 's', distinct_id: 'd', now: 'x', segments: [{ items: [] }] })],
    ['a bad chunk', JSON.stringify({ v: 1, team_id: 1, token: 't', session_id: 's', distinct_id: 'd', now: 'x', chunk: { id: '../x', index: 0, count: 1, window_id: 'w', data: '' } })],
    ['a chunk index past its count', JSON.stringify({ v: 1, team_id: 1, token: 't', session_id: 's', distinct_id: 'd', now: 'x', chunk: { id: 'a', index: 1, count: 1, window_id: 'w', data: '' } })],
  ])('a record with %s is refused', (_name, text) => {
    expect(() => parseReplayRecord(Buffer.from(text))).toThrow(/InvalidReplayRecordError|not|bad|no segments/);
  });
});
