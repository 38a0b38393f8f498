/** `{variables.code_name}` in HogQLQuery on chDB: the query's value, else the project's default, typed; refusals as 400s. */
import fc from 'fast-check';
import { runHogQLQuery } from '../../lib/hogql';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import type { VariableDefinition } from '../../lib/query/types';
import { openTestStore } from '../support/chdb';
import { context, seed } from './fixtures';

let store: AnalyticsStore;
let loads = 0;
beforeAll(async () => {
  store = await openTestStore();
  await seed(store);
});
afterAll(() => store.close());

const DEFINITIONS: VariableDefinition[] = [
  { id: '00000000-0000-4000-8000-0000000000e1', codeName: 'event_name', type: 'String', defaultValue: 'signed_up' },
  { id: '00000000-0000-4000-8000-0000000000e2', codeName: 'min_n', type: 'Number', defaultValue: 4 },
  { id: '00000000-0000-4000-8000-0000000000e3', codeName: 'flag', type: 'Boolean', defaultValue: false },
  { id: '00000000-0000-4000-8000-0000000000e4', codeName: 'browser', type: 'List', defaultValue: 'Chrome' },
  { id: '00000000-0000-4000-8000-0000000000e5', codeName: 'since', type: 'Date', defaultValue: '2024-01-09' },
  { id: '00000000-0000-4000-8000-0000000000e6', codeName: 'no_default', type: 'String', defaultValue: null },
];

const run = (query: string, variables?: Record<string, unknown>) =>
  runHogQLQuery(
    { kind: 'HogQLQuery', query, ...(variables ? { variables } : {}) },
    {
      ...context(store),
      loadVariables: async () => {
        loads += 1;
        return DEFINITIONS;
      },
    },
  );

/** A HogQLVariable entry of the query (keyed by the variable's id, as PostHog sends them). */
const given = (codeName: string, value: unknown) => {
  const d = DEFINITIONS.find((v) => v.codeName === codeName)!;
  return { [d.id]: { variableId: d.id, code_name: codeName, value } };
};

describe('HogQL variables', () => {
  it("uses the query's value, and the variable's default when the query gives none", async () => {
    const q = 'select count() from events where event = {variables.event_name}';
    expect((await run(q)).results).toEqual([[1]]);
    expect((await run(q, given('event_name', '$pageview'))).results).toEqual([[3]]);
    // A null value (PostHog sends one for a variable left empty) falls back to the default too.
    expect((await run(q, given('event_name', null))).results).toEqual([[1]]);
  });

  it('types values by the variable: numbers, booleans, dates, strings', async () => {
    const numeric = 'select count() from events where toFloat64OrNull(properties.n) > {variables.min_n}';
    expect((await run(numeric)).results).toEqual([[2]]);
    // A number typed as text (a URL override) is still a number, not a string comparison.
    expect((await run(numeric, given('min_n', '10'))).results).toEqual([[1]]);
    expect((await run('select {variables.flag}, {variables.min_n} + 1', given('flag', 'true'))).results).toEqual([[true, 5]]);
    const since = await run("select count() from events where timestamp >= toDateTime({variables.since}) and event != 'quote''s \"event\"'");
    expect(since.results).toEqual([[3]]);
    expect(since.clickhouse).toContain("'2024-01-09'");
    // Relative dates (as PostHog's Date variables allow) count back from the query's now, 2024-01-10 12:00 UTC.
    const relative = 'select count() from events where timestamp >= {variables.since}';
    expect((await run(relative, given('since', '-1d'))).results).toEqual([[4]]);
    expect((await run(relative, given('since', '-1h'))).results).toEqual([[2]]);
    expect((await run(relative, given('since', 'dStart'))).results).toEqual([[3]]);
  });

  it('takes a List value, or several of them with IN', async () => {
    const q = 'select count() from events where properties.$browser in {variables.browser}';
    expect((await run(q)).results).toEqual([[2]]);
    expect((await run(q, given('browser', ['Safari', 'Firefox']))).results).toEqual([[2]]);
    expect((await run('select count() from events where properties.$browser = {variables.browser}', given('browser', 'Safari'))).results).toEqual([[1]]);
  });

  it('gives NULL for a variable the query sets isNull', async () => {
    const d = DEFINITIONS[0];
    expect((await run('select {variables.event_name} is null', { [d.id]: { code_name: d.codeName, value: 'x', isNull: true } })).results).toEqual([[1]]);
  });

  it('refuses an unknown variable, one without value or default, and a value of the wrong type, naming the variable', async () => {
    await expect(run('select {variables.nope}')).rejects.toMatchObject({ status: 400, message: expect.stringContaining('{variables.nope} does not exist') });
    await expect(run('select {variables.no_default}')).rejects.toMatchObject({ status: 400, message: expect.stringContaining('{variables.no_default} has no value') });
    expect((await run('select {variables.no_default}', given('no_default', 'x'))).results).toEqual([['x']]);
    await expect(run('select {variables.min_n}', given('min_n', 'ten'))).rejects.toMatchObject({ status: 400, message: expect.stringContaining('must be a number') });
    await expect(run('select {variables.since}', given('since', 'yesterday'))).rejects.toMatchObject({ status: 400, message: expect.stringContaining('must be a date') });
    await expect(run('select {variables.event_name}', { x: 'not an entry' })).rejects.toMatchObject({ status: 400 });
    // Without a loader (a context that knows no variables) the placeholder is refused, not left in the SQL.
    await expect(runHogQLQuery({ kind: 'HogQLQuery', query: 'select {variables.event_name}' }, context(store))).rejects.toMatchObject({ status: 400 });
  });

  it('loads the variables only for a query that names one', async () => {
    loads = 0;
    await run('select count() from events');
    expect(loads).toBe(0);
    await run('select {variables.min_n}');
    expect(loads).toBe(1);
  });

  it('keeps any value a string constant: an injection attempt matches nothing and breaks out of nothing', async () => {
    const q = 'select count() from events where event = {variables.event_name}';
    for (const attack of ["x' or 1=1 --", "signed_up') or (1=1", "\\' or team_id = 2 or '"]) {
      const r = await run(q, given('event_name', attack));
      expect(r.results).toEqual([[0]]);
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (text) => {
        const r = await run('select {variables.event_name}', given('event_name', text));
        expect(r.results).toEqual([[text]]);
      }),
      { numRuns: 40 },
    );
  });
});
