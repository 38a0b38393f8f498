import { runHogQLQuery } from '../../lib/hogql';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { openTestStore } from '../support/chdb';
import { context, PERSON_A, seed } from './fixtures';

let store: AnalyticsStore;
beforeAll(async () => {
  store = await openTestStore();
  await seed(store);
});
afterAll(() => store.close());

const run = (query: string, extra: Record<string, unknown> = {}) => runHogQLQuery({ kind: 'HogQLQuery', query, ...extra }, context(store));

describe('HogQLQuery on chDB', () => {
  it('counts events by name, in PostHog response shape', async () => {
    const r = await run('select event, count() from events group by event order by count() desc, event');
    expect(r.results).toEqual([
      ['$pageview', 3],
      ['quote\'s "event"', 1],
      ['signed_up', 1],
    ]);
    expect(r.columns).toEqual(['event', 'count()']);
    expect(r.types).toEqual([['event', 'String'], ['count()', 'UInt64']]);
    expect(r).toMatchObject({ hasMore: false, limit: 100, offset: 0, error: null, hogql: expect.any(String), clickhouse: expect.stringContaining('team_id = 1') });
  });

  it('reads properties as strings and compares them with numbers numerically', async () => {
    const r = await run("select properties.$browser, properties.n from events where properties.n > 4 order by timestamp");
    expect(r.results).toEqual([['Chrome', '5'], ['Firefox', '12']]);
    expect(r.columns).toEqual(['$browser', 'n']);
  });

  it('returns null for a missing property', async () => {
    const r = await run("select properties.plan from events where event = 'signed_up' or event = '$pageview' order by timestamp limit 2");
    expect(r.results).toEqual([[null], ['pro']]);
  });

  it('reads person properties on events and from persons (latest version)', async () => {
    const onEvents = await run("select distinct person.properties.email from events order by 1");
    // ClickHouse sorts NULLs last.
    expect(onEvents.results).toEqual([['a@x.com'], ['b@y.com'], [null]]);
    const persons = await run('select id, properties.email, is_identified from persons order by created_at');
    expect(persons.results).toEqual([[PERSON_A, 'a@x.com', 1], ['00000000-0000-4000-8000-00000000000b', 'b@y.com', 0]]);
  });

  it('joins events to persons', async () => {
    const r = await run('select p.properties.email, count() as c from events e join persons p on e.person_id = p.id group by 1 order by c desc');
    expect(r.results).toEqual([['b@y.com', 3], ['a@x.com', 2]]);
  });

  it('fills placeholders from values', async () => {
    const r = await run('select count() from events where event = {name} and distinct_id in {ids}', { values: { name: '$pageview', ids: ['a', 'zzz'] } });
    expect(r.results).toEqual([[2]]);
  });

  it('applies filters: date range and property filters, through {filters} or automatically', async () => {
    const filters = { dateRange: { date_from: '-1d' }, properties: [{ key: '$browser', value: 'Chrome', operator: 'exact', type: 'event' }] };
    // -1d from 2024-01-10 12:00 starts at 2024-01-09 00:00: Chrome events of team 1 since then = 2.
    expect((await run('select count() from events where {filters}', { filters })).results).toEqual([[2]]);
    expect((await run('select count() from events', { filters })).results).toEqual([[2]]);
    const since = { dateRange: { date_from: '2024-01-06', date_to: '2024-01-09' } };
    expect((await run('select count() from events', { filters: since })).results).toEqual([[1]]);
  });

  it('uses the context clock for now() and date functions', async () => {
    const r = await run("select count() from events where timestamp > now() - interval 1 day");
    expect(r.results).toEqual([[3]]);
    const d = await run("select toStartOfDay(timestamp) as day, count() from events group by day order by day");
    expect(d.results).toEqual([['2024-01-05T00:00:00Z', 1], ['2024-01-09T00:00:00Z', 1], ['2024-01-10T00:00:00Z', 3]]);
  });

  it('applies the default limit, caps explicit limits, and reports hasMore', async () => {
    const r = await run('select number from numbers(250)');
    expect(r.results).toHaveLength(100);
    expect(r).toMatchObject({ hasMore: true, limit: 100 });
    const capped = await run('select number from numbers(20000) limit 50000');
    expect(capped.results).toHaveLength(10_000);
    expect(capped).toMatchObject({ hasMore: true, limit: 10_000 });
    const exact = await run('select number from numbers(5) limit 5');
    expect(exact).toMatchObject({ hasMore: false, limit: 5 });
  });

  it('runs unions, CTEs, subqueries, lambdas, arrays and window functions', async () => {
    expect((await run('select x from (select 1 as x union all select 2 as x) order by x desc')).results).toEqual([[2], [1]]);
    expect((await run('with pv as (select distinct_id from events where event = \'$pageview\') select count() from pv')).results).toEqual([[3]]);
    expect((await run('select arrayMap(x -> x * 2, [1, 2, 3]), (1, \'a\').2, [10, 20][2]')).results).toEqual([[[2, 4, 6], 'a', 20]]);
    expect((await run("select distinct_id, row_number() over (partition by distinct_id order by timestamp) as rn from events where event = '$pageview' order by distinct_id, rn")).results)
      .toEqual([['a', 1], ['a', 2], ['b', 1]]);
    expect((await run("select case when properties.n > 10 then 'big' else 'small' end as size, count() from events where properties.n is not null group by size order by size")).results)
      .toEqual([['big', 1], ['small', 2]]);
  });

  it('reads string escapes in data and literals intact', async () => {
    const r = await run("select event, properties.text from events where event = 'quote\\'s \"event\"'");
    expect(r.results).toEqual([['quote\'s "event"', "it's \\\\ tricky"]]);
  });

  it('refuses parse errors and unknown names with a 400', async () => {
    await expect(run('selec 1')).rejects.toMatchObject({ status: 400, message: expect.stringContaining('Syntax error') });
    await expect(run('select nope from events')).rejects.toMatchObject({ status: 400, message: 'Unable to resolve field: nope' });
  });
});
