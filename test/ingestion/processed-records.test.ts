import { distinctIdLine, eventLine, groupLine, packLines, parseProcessedRecord, personLine, PROCESSED_HEADER, warningLine } from '../../lib/ingestion/processed-records';

describe('events_processed records', () => {
  it('round-trip every line kind, with the rows as the bytes that were written', () => {
    const event = JSON.stringify({ uuid: 'u-1', event: 'café ☕', properties: { tab: 'a\tb', nl: 'a\nb' } });
    const lines = [
      eventLine(7, '0190b3c2-7d3e-7c41-9a7e-000000000001', '2026-11-30 01:00:00.000000', event),
      personLine({ id: 'p-1', properties: '{"plan":"pro ✓"}' }),
      distinctIdLine({ version: 2, distinct_id: 'd-1' } as { version: number }),
      groupLine({ group_key: 'g-1' }),
      warningLine({ type: 'w' }),
    ];
    const { records, oversized } = packLines('7:persons', lines);
    expect(oversized).toEqual([]);
    expect(records).toHaveLength(1);
    const parsed = parseProcessedRecord(Buffer.from(records[0].data));
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toMatchObject({ teamId: 7, uuid: '0190b3c2-7d3e-7c41-9a7e-000000000001', timestamp: '2026-11-30 01:00:00.000000' });
    expect(parsed.events[0].row.toString('utf8')).toBe(event);
    expect(parsed.persons.map((r) => JSON.parse(r.toString('utf8')))).toEqual([{ id: 'p-1', properties: '{"plan":"pro ✓"}' }]);
    expect(parsed.distinctIds.map((d) => [d.version, JSON.parse(d.row.toString('utf8'))])).toEqual([[2, { version: 2, distinct_id: 'd-1' }]]);
    expect(parsed.groups.map((r) => r.toString())).toEqual(['{"group_key":"g-1"}']);
    expect(parsed.warnings.map((r) => r.toString())).toEqual(['{"type":"w"}']);
  });

  it('a header alone holds no rows', () => {
    expect(parseProcessedRecord(Buffer.from(PROCESSED_HEADER))).toEqual({ events: [], persons: [], distinctIds: [], groups: [], warnings: [] });
  });

  it.each([
    ['another format', '{"v":1}'],
    ['an unknown line kind', `${PROCESSED_HEADER}\nX\t{}`],
    ['an empty line', `${PROCESSED_HEADER}\nP\t{}\n`],
    ['an event line without its fields', `${PROCESSED_HEADER}\nE\t7\t{}`],
    ['an event line whose team is not a number', `${PROCESSED_HEADER}\nE\tseven\tu\tt\t{}`],
    ['an event line whose row is not an object', `${PROCESSED_HEADER}\nE\t7\tu\tt\t[]`],
    ['a distinct-id line without its version', `${PROCESSED_HEADER}\nD\t{}`],
  ])('refuses %s', (_, text) => {
    expect(() => parseProcessedRecord(Buffer.from(text))).toThrow();
  });
});
