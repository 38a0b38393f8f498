/** Property tests of the query service's input handling: cache keys, refresh modes, wrappers. */
import fc from 'fast-check';
import { HttpError } from '../../lib/http/errors';
import { cacheKeyOf, REFRESH_MODES, refreshModeOf, unwrapQuery } from '../../lib/query/query-service';

/** The same object with its keys in another order, all the way down. */
function shuffled(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffled(v, seed + i));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const order = entries.map((e, i) => [((i + 1) * 2654435761 + seed) % 1000, e] as const).sort((a, b) => a[0] - b[0]);
    return Object.fromEntries(order.map(([, [k, v]]) => [k, shuffled(v, seed + 1)]));
  }
  return value;
}

it('cache keys ignore key order and differ between teams', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1_000_000 }), (query, seed, team) => {
      const q = { kind: 'HogQLQuery', ...query };
      expect(cacheKeyOf(team, 'UTC', shuffled(q, seed) as Record<string, unknown>)).toBe(cacheKeyOf(team, 'UTC', q));
      expect(cacheKeyOf(team + 1, 'UTC', q)).not.toBe(cacheKeyOf(team, 'UTC', q));
    }),
  );
});

it('refresh and async either give a mode or a 400 naming the field', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), fc.constantFrom(...REFRESH_MODES)), fc.oneof(fc.constant(undefined), fc.jsonValue()), (refresh, asyncFlag) => {
      try {
        expect(REFRESH_MODES).toContain(refreshModeOf(refresh, asyncFlag, 'blocking'));
      } catch (error) {
        expect(error).toBeInstanceOf(HttpError);
        expect(['refresh', 'async']).toContain((error as HttpError).attr);
      }
    }),
  );
});

it('unwrapping a query whose kind is an object with its own toString answers that query', () => {
  const query = { kind: { toString: '' } };
  expect(unwrapQuery(query)).toBe(query);
});

it('unwrapping any query answers an object or a 400 naming query.source', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('kind', 'source', 'x'), fc.oneof(fc.constantFrom('InsightVizNode', 'DataTableNode', 'TrendsQuery'), fc.jsonValue())), (query) => {
      try {
        expect(typeof unwrapQuery(query)).toBe('object');
      } catch (error) {
        expect(error).toBeInstanceOf(HttpError);
        expect((error as HttpError).attr).toBe('query.source');
      }
    }),
  );
});
