import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { COMPRESSION_2024_10, decompressEvent, inflateLatin1Gzip } from '../../lib/replay/decompress-events';
import { compressedMutation, fixtureEvents, latin1Gzip } from './replay-harness';

describe('cv:"2024-10" partial compression', () => {
  test('the real posthog-js full snapshot inflates to a plain rrweb document', () => {
    const events = fixtureEvents();
    const full = events.find((e) => e.type === 2)!;
    expect(full.cv).toBe(COMPRESSION_2024_10);
    expect(typeof full.data).toBe('string');
    const { event, failed } = decompressEvent(full);
    expect(failed).toBe(false);
    const plain = event as { type: number; timestamp: number; cv?: string; data: { node: { type: number; childNodes: unknown[] }; initialOffset: unknown } };
    expect(plain.cv).toBeUndefined();
    expect(plain.type).toBe(2);
    expect(plain.timestamp).toBe(full.timestamp);
    expect(plain.data.node.type).toBe(0); // rrweb Document
    expect(plain.data.node.childNodes.length).toBeGreaterThan(0);
    expect(plain.data.initialOffset).toEqual({ top: 0, left: 0 });
    expect(JSON.stringify(plain.data)).toContain('"tagName":"html"');
  });

  test('events without the marker come back as the same object', () => {
    for (const e of fixtureEvents().filter((e) => e.cv === undefined)) expect(decompressEvent(e).event).toBe(e);
    expect(decompressEvent(null).event).toBeNull();
    expect(decompressEvent('x').event).toBe('x');
  });

  test('a mutation inflates its adds, removes, texts and attributes', () => {
    const data = { adds: [{ parentId: 1, nextId: null, node: { type: 3, textContent: 'héllo ✓', id: 9 } }], removes: [{ parentId: 1, id: 4 }], texts: [{ id: 9, value: 'x' }], attributes: [{ id: 2, attributes: { class: 'a' } }] };
    const { event, failed } = decompressEvent(compressedMutation(5, data));
    expect(failed).toBe(false);
    expect(event).toEqual({ type: 3, timestamp: 5, data: { source: 0, ...data } });
  });

  test('a style-sheet rule inflates adds and removes; other incremental sources only lose the marker', () => {
    const adds = [{ rule: 'a { color: red }', index: 0 }];
    const rule = { type: 3, timestamp: 1, cv: COMPRESSION_2024_10, data: { source: 8, id: 3, adds: latin1Gzip(adds), removes: latin1Gzip([]) } };
    expect(decompressEvent(rule).event).toEqual({ type: 3, timestamp: 1, data: { source: 8, id: 3, adds, removes: [] } });
    const move = { type: 3, timestamp: 1, cv: COMPRESSION_2024_10, data: { source: 1, positions: [] } };
    expect(decompressEvent(move).event).toEqual({ type: 3, timestamp: 1, data: { source: 1, positions: [] } });
  });

  test('a partly plain mutation (arrays already) is left as it is', () => {
    const event = { type: 3, timestamp: 1, cv: COMPRESSION_2024_10, data: { source: 0, adds: latin1Gzip([1]), removes: [], texts: [], attributes: [] } };
    expect(decompressEvent(event).event).toEqual({ type: 3, timestamp: 1, data: { source: 0, adds: [1], removes: [], texts: [], attributes: [] } });
  });

  test('garbage behind the marker keeps the event as sent and reports the failure', () => {
    for (const data of ['not gzip', '\u001f\u008bbroken', latin1Gzip([1]).slice(0, 12)]) {
      const event = { type: 2, timestamp: 1, cv: COMPRESSION_2024_10, data };
      expect(decompressEvent(event)).toEqual({ event, failed: true });
    }
    const notJson = { type: 2, timestamp: 1, cv: COMPRESSION_2024_10, data: gzipSync('{nope').toString('latin1') };
    expect(decompressEvent(notJson).failed).toBe(true);
  });

  test('property: any JSON value survives posthog-js compression and our inflation', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(inflateLatin1Gzip(latin1Gzip(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });
});
