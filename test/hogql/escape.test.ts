/** Property tests: any text survives escaping into ClickHouse and placeholder values intact. */
import fc from 'fast-check';
import { escapeIdentifier, escapeString } from '../../lib/hogql/escape';
import { runHogQLQuery } from '../../lib/hogql';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { openTestStore } from '../support/chdb';
import { context, seed } from './fixtures';

let store: AnalyticsStore;
beforeAll(async () => {
  store = await openTestStore();
  await seed(store);
});
afterAll(() => store.close());

const text = fc.string({ unit: 'binary', maxLength: 40 });

describe('escaping', () => {
  it('string literals read back as the same text', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (s) => {
        const rows = await store.query<{ v: string }>(`SELECT ${escapeString(s)} AS v`);
        expect(rows[0].v).toBe(s);
      }),
      { numRuns: 60 },
    );
  });

  it('identifiers read back as the same name', async () => {
    await fc.assert(
      fc.asyncProperty(text.filter((s) => s.length > 0 && !s.includes('\0')), async (s) => {
        const rows = await store.query<Record<string, unknown>>(`SELECT 1 AS ${escapeIdentifier(s)}`);
        expect(Object.keys(rows[0])).toEqual([s]);
      }),
      { numRuns: 60 },
    );
  });

  it('placeholder values are data, never SQL', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (s) => {
        const r = await runHogQLQuery({ kind: 'HogQLQuery', query: 'select {v}, count() from events where event = {v}', values: { v: s } }, context(store));
        expect(r.results).toEqual([[s, 0]]);
      }),
      { numRuns: 40 },
    );
  });
});
