import { runEventsQuery } from '../../lib/hogql';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { openTestStore } from '../support/chdb';
import { context, OTHER_TEAM, PERSON_A, PERSON_B, seed } from './fixtures';

let store: AnalyticsStore;
beforeAll(async () => {
  store = await openTestStore();
  await seed(store);
});
afterAll(() => store.close());

const run = (query: Record<string, unknown>, teamId?: number) => runEventsQuery({ kind: 'EventsQuery', ...query }, context(store, teamId));

// The fixture's "now" is 2024-01-10 12:00 UTC; team 1 has 3 events in the last 24 hours.
describe('EventsQuery on chDB', () => {
  it('lists the last 24 hours newest first, with * and person as objects', async () => {
    const r = await run({ select: ['*', 'event', 'person', 'timestamp'] });
    expect(r.columns).toEqual(['*', 'event', 'person', 'timestamp']);
    expect(r.results).toHaveLength(3);
    const rows = r.results as unknown[][];
    expect(rows.map((row) => row[1])).toEqual(['quote\'s "event"', '$pageview', '$pageview']);
    expect(rows[0][0]).toMatchObject({ event: 'quote\'s "event"', distinct_id: 'b', team_id: 1, properties: { text: "it's \\ tricky" } });
    expect(rows[1][2]).toMatchObject({ uuid: PERSON_A, distinct_id: 'a', properties: { email: 'a@x.com' } });
    expect(rows[0][3]).toBe('2024-01-10T11:30:00.000000Z');
    expect(r).toMatchObject({ hasMore: false, limit: 100, offset: 0 });
  });

  it('groups by the non-aggregated columns', async () => {
    const r = await run({ select: ['event', 'count()'], after: '-30d', orderBy: ['count() DESC', 'event'] });
    expect(r.results).toEqual([
      ['$pageview', 3],
      ['quote\'s "event"', 1],
      ['signed_up', 1],
    ]);
    expect(r.types).toEqual(['String', 'UInt64']);
  });

  it('filters by event, properties, fixedProperties and where expressions', async () => {
    expect((await run({ select: ['count()'], after: '-30d', properties: [{ key: '$browser', value: 'Chrome', operator: 'exact', type: 'event' }] })).results).toEqual([[2]]);
    expect((await run({ select: ['count()'], after: '-30d', event: '$pageview', fixedProperties: [{ key: '$browser', value: ['Chrome', 'Safari'] }] })).results).toEqual([[2]]);
    expect((await run({ select: ['properties.n'], after: '-30d', where: ['properties.n > 4'], orderBy: ['timestamp'] })).results).toEqual([['5'], ['12']]);
    expect((await run({ select: ['count()'], after: '-30d', properties: [{ key: 'email', value: 'y.com', operator: 'icontains', type: 'person' }] })).results).toEqual([[2]]);
  });

  it('filters by person, after and before', async () => {
    expect((await run({ select: ['count()'], after: 'all', personId: PERSON_B })).results).toEqual([[3]]);
    expect((await run({ select: ['count()'], after: 'all', before: '2024-01-09T10:00:00Z' })).results).toEqual([[2]]);
    expect((await run({ select: ['count()'], after: '2024-01-09' })).results).toEqual([[4]]);
  });

  it('pages with limit and offset', async () => {
    const first = await run({ select: ['event', 'timestamp'], after: 'all', limit: 2 });
    expect(first).toMatchObject({ hasMore: true, limit: 2 });
    expect((first.results as unknown[][]).map((row) => row[1])).toEqual(['2024-01-10T11:30:00.000000Z', '2024-01-10T11:00:00.000000Z']);
    const last = await run({ select: ['event'], after: 'all', orderBy: ['timestamp DESC'], limit: 2, offset: 4 });
    expect(last).toMatchObject({ hasMore: false, offset: 4, results: [['$pageview']] });
  });

  it("sees only the caller's team", async () => {
    expect((await run({ select: ['count()'], after: 'all', event: 'secret' })).results).toEqual([[0]]);
    expect((await run({ select: ['count()'], after: 'all' }, OTHER_TEAM)).results).toEqual([[3]]);
  });

  it('refuses bad input with a 400', async () => {
    await expect(run({ select: [] })).rejects.toMatchObject({ status: 400 });
    await expect(run({ select: ['nope'] })).rejects.toMatchObject({ status: 400, message: 'Unable to resolve field: nope' });
    await expect(run({ select: ['event'], where: ['team_id = 2'] })).rejects.toMatchObject({ status: 400 });
    await expect(run({ select: ['event'], limit: -1 })).rejects.toMatchObject({ status: 400 });
  });
});
