/** The query service on chDB with test-only runners: refresh modes, cache, async, cancel, runaway limits. */
import { MemoryCache } from '../../lib/adapters/local/memory-cache';
import { HttpError } from '../../lib/http/errors';
import { QueryService, cacheKeyOf, limitedStore, refreshModeOf, type QueryScope } from '../../lib/query/query-service';
import { querySettings, type QueryContext, type QueryRunner } from '../../lib/query/types';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { openTestStore } from '../support/chdb';

let store: AnalyticsStore;
let calls = 0;

const scope = (teamId = 1): QueryScope => ({ teamId, timezone: 'UTC', loadAction: async () => undefined, loadCohort: async () => undefined, groupTypes: new Map() });
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts its calls and answers `SELECT {n}` on the store. */
const countRunner: QueryRunner = async (query, ctx) => {
  calls += 1;
  const rows = await ctx.store.query<{ n: number }>(`SELECT toUInt32(${Number(query.n ?? 1)}) AS n`);
  return { results: rows.map((r) => [r.n]), columns: ['n'] };
};
/** A heavy scan that only the limits stop. */
const heavyRunner: QueryRunner = async (_query, ctx) => ({
  results: await ctx.store.query('SELECT count() AS c FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 3', { settings: querySettings(ctx) }),
});
const rowsRunner: QueryRunner = async (_query, ctx) => ({ results: await ctx.store.query('SELECT number FROM numbers(1000)') });
const memoryRunner: QueryRunner = async (_query, ctx) => ({ results: await ctx.store.query('SELECT groupArray(number) AS a FROM numbers(100000000)') });
/** Waits for its signal (a runner that ignores ClickHouse altogether). */
const sleepyRunner: QueryRunner = (_query, ctx: QueryContext) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ results: [['late']] }), Number(_query.ms ?? 60_000));
    ctx.signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
const badSqlRunner: QueryRunner = async (_query, ctx) => ({ results: await ctx.store.query('SELECT no_such_column FROM numbers(1)') });

const runners = { Count: countRunner, Heavy: heavyRunner, Rows: rowsRunner, Memory: memoryRunner, Sleepy: sleepyRunner, BadSql: badSqlRunner };

function service(overrides: Partial<ConstructorParameters<typeof QueryService>[0]> = {}) {
  return new QueryService({ runners, store, cache: new MemoryCache(), limits: { maxExecutionTimeSeconds: 1, maxMemoryUsageBytes: 50_000_000, maxResultRows: 100 }, ...overrides });
}

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error('expected a rejection');
}

async function settle(svc: QueryService, teamId: number, id: string) {
  for (let i = 0; i < 100; i++) {
    const outcome = await svc.status(teamId, id);
    if (outcome.status !== 202) return outcome;
    await wait(50);
  }
  throw new Error('query did not settle');
}

beforeAll(async () => {
  store = await openTestStore();
}, 60_000);

afterAll(async () => {
  await store.close();
});

beforeEach(() => {
  calls = 0;
});

describe('refresh modes and the result cache', () => {
  it('blocking runs once, then answers from the cache with the cache fields', async () => {
    const svc = service();
    const first = await svc.run({ kind: 'Count', n: 3 }, scope(), { refresh: 'blocking' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ results: [[3]], columns: ['n'], is_cached: false, timezone: 'UTC', query_status: null });
    expect(first.body.cache_key).toMatch(/^cache_[0-9a-f]{40}$/);
    expect(Date.parse(String(first.body.next_allowed_client_refresh))).toBeGreaterThan(Date.parse(String(first.body.last_refresh)));
    const second = await svc.run({ n: 3, kind: 'Count' }, scope(), { refresh: 'blocking' });
    expect(second.body).toMatchObject({ results: [[3]], is_cached: true, cache_key: first.body.cache_key, last_refresh: first.body.last_refresh });
    expect(calls).toBe(1);
  });

  it('keys the cache by team and query: another team or another query runs anew', async () => {
    const svc = service();
    await svc.run({ kind: 'Count', n: 4 }, scope(1), { refresh: 'blocking' });
    const other = await svc.run({ kind: 'Count', n: 4 }, scope(2), { refresh: 'blocking' });
    expect(other.body.is_cached).toBe(false);
    await svc.run({ kind: 'Count', n: 5 }, scope(1), { refresh: 'blocking' });
    expect(calls).toBe(3);
    expect(cacheKeyOf(1, 'UTC', { kind: 'Count', n: 4 })).not.toBe(cacheKeyOf(2, 'UTC', { kind: 'Count', n: 4 }));
    expect(cacheKeyOf(1, 'UTC', { kind: 'Count', n: 4 })).not.toBe(cacheKeyOf(1, 'Europe/Paris', { kind: 'Count', n: 4 }));
    expect(cacheKeyOf(1, 'UTC', { a: 1, b: { c: 2, d: 3 } })).toBe(cacheKeyOf(1, 'UTC', { b: { d: 3, c: 2 }, a: 1 }));
  });

  it('force_blocking always runs; force_cache never does', async () => {
    const svc = service();
    const miss = await svc.run({ kind: 'Count', n: 6 }, scope(), { refresh: 'force_cache' });
    expect(miss.body).toMatchObject({ results: null, is_cached: false, query_status: null });
    expect(calls).toBe(0);
    await svc.run({ kind: 'Count', n: 6 }, scope(), { refresh: 'force_blocking' });
    await svc.run({ kind: 'Count', n: 6 }, scope(), { refresh: 'force_blocking' });
    expect(calls).toBe(2);
    const hit = await svc.run({ kind: 'Count', n: 6 }, scope(), { refresh: 'force_cache' });
    expect(hit.body).toMatchObject({ results: [[6]], is_cached: true });
    expect(calls).toBe(2);
  });

  it('a stale result is recomputed by blocking, served then refreshed in the background by async and lazy_async', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const svc = service({ now: () => now });
    await svc.run({ kind: 'Count', n: 7 }, scope(), { refresh: 'blocking' });
    now = new Date(now.getTime() + 61_000); // past the 60 s staleness of a query without an interval
    const stale = await svc.run({ kind: 'Count', n: 7 }, scope(), { refresh: 'async', clientQueryId: 'refresh-1' });
    expect(stale.status).toBe(202);
    expect(stale.body).toMatchObject({ results: [[7]], is_cached: true, query_status: { id: 'refresh-1', complete: false, query_async: true } });
    expect((await settle(svc, 1, 'refresh-1')).status).toBe(200);
    expect(calls).toBe(2);
    const lazyFresh = await svc.run({ kind: 'Count', n: 7 }, scope(), { refresh: 'lazy_async' });
    expect(lazyFresh.body.is_cached).toBe(true);
    const lazyMiss = await svc.run({ kind: 'Count', n: 8 }, scope(), { refresh: 'lazy_async' });
    expect(lazyMiss).toMatchObject({ status: 200, body: { results: [[8]], is_cached: false } });
    now = new Date(now.getTime() + 3_600_000);
    expect((await svc.run({ kind: 'Count', n: 8 }, scope(), { refresh: 'blocking' })).body.is_cached).toBe(false);
  });

  it('runs without the cache when the cache fails', async () => {
    const broken = { get: async () => Promise.reject(new Error('down')), set: async () => Promise.reject(new Error('down')), delete: async () => undefined, close: async () => undefined };
    const svc = service({ cache: broken });
    expect((await svc.run({ kind: 'Count', n: 13 }, scope(), { refresh: 'blocking' })).body).toMatchObject({ results: [[13]], is_cached: false });
  });

  it('interprets refresh and the legacy async flag like PostHog', () => {
    expect(refreshModeOf(undefined, undefined, 'blocking')).toBe('blocking');
    expect(refreshModeOf(true, undefined, 'blocking')).toBe('force_blocking');
    expect(refreshModeOf(false, undefined, 'force_cache')).toBe('force_cache');
    expect(refreshModeOf('lazy_async', undefined, 'blocking')).toBe('lazy_async');
    expect(refreshModeOf(undefined, true, 'blocking')).toBe('async');
    expect(refreshModeOf(true, true, 'blocking')).toBe('force_async');
    expect(() => refreshModeOf('sometimes', undefined, 'blocking')).toThrow(expect.objectContaining({ attr: 'refresh' }));
    expect(() => refreshModeOf(undefined, 'yes', 'blocking')).toThrow(expect.objectContaining({ attr: 'async' }));
  });

  it('refuses unknown kinds naming query.kind, and unwraps InsightVizNode / DataTableNode', async () => {
    const svc = service();
    expect(await rejection(svc.run({ kind: 'NoSuchQuery' }, scope(), { refresh: 'blocking' }))).toMatchObject({ status: 400, attr: 'query.kind' });
    expect(await rejection(svc.run({ n: 1 }, scope(), { refresh: 'blocking' }))).toMatchObject({ status: 400, attr: 'query.kind' });
    expect(await rejection(svc.run('Count', scope(), { refresh: 'blocking' }))).toMatchObject({ status: 400, attr: 'query' });
    expect(await rejection(svc.run({ kind: 'toString' }, scope(), { refresh: 'blocking' }))).toMatchObject({ status: 400, attr: 'query.kind' });
    // A kind that is no string, even one whose own toString is not a function (JSON can say so).
    expect(await rejection(svc.run({ kind: 'DataTableNode', source: { kind: { toString: '' } } }, scope(), { refresh: 'blocking' }))).toMatchObject({ status: 400, attr: 'query.source.kind' });
    const wrapped = await svc.run({ kind: 'DataTableNode', source: { kind: 'Count', n: 9 } }, scope(), { refresh: 'blocking' });
    expect(wrapped.body.results).toEqual([[9]]);
    expect((await svc.run({ kind: 'Count', n: 9 }, scope(), { refresh: 'blocking' })).body.is_cached).toBe(true);
  });
});

describe('async execution, status and cancellation', () => {
  it('force_async answers 202 with a status, then the status holds the results', async () => {
    const svc = service();
    const started = await svc.run({ kind: 'Count', n: 11 }, scope(), { refresh: 'force_async', clientQueryId: 'async-1' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ results: null, query_status: { id: 'async-1', team_id: 1, complete: false, error: false } });
    const done = await settle(svc, 1, 'async-1');
    expect(done.status).toBe(200);
    expect(done.body.query_status).toMatchObject({ id: 'async-1', complete: true, error: false, results: { results: [[11]], is_cached: false } });
    expect((await svc.run({ kind: 'Count', n: 11 }, scope(), { refresh: 'force_cache' })).body.is_cached).toBe(true);
  });

  it('with finishAsyncInline (a Lambda), async answers carry the completed status and the results are cached', async () => {
    const svc = service({ finishAsyncInline: true });
    const done = await svc.run({ kind: 'Count', n: 21 }, scope(), { refresh: 'force_async', clientQueryId: 'inline-1' });
    expect(done.status).toBe(200);
    expect(done.body.query_status).toMatchObject({ id: 'inline-1', complete: true, error: false, results: { results: [[21]] } });
    expect((await svc.status(1, 'inline-1')).body.query_status).toMatchObject({ complete: true, results: { results: [[21]] } });
    expect((await svc.run({ kind: 'Count', n: 21 }, scope(), { refresh: 'force_cache' })).body.is_cached).toBe(true);
    const failed = await svc.run({ kind: 'BadSql' }, scope(), { refresh: 'force_async', clientQueryId: 'inline-2' });
    expect(failed.body.query_status).toMatchObject({ id: 'inline-2', complete: true, error: true });
  });

  it("keeps statuses per team: another team's query id is not found", async () => {
    const svc = service();
    await svc.run({ kind: 'Count', n: 12 }, scope(1), { refresh: 'force_async', clientQueryId: 'mine' });
    await expect(svc.status(2, 'mine')).rejects.toMatchObject({ status: 404 });
    await expect(svc.status(1, 'never-ran')).rejects.toMatchObject({ status: 404 });
    await settle(svc, 1, 'mine');
  });

  it('cancels a background query: the status reports the cancellation at once', async () => {
    const svc = service({ limits: { maxExecutionTimeSeconds: 30, maxMemoryUsageBytes: 50_000_000, maxResultRows: 100 } });
    await svc.run({ kind: 'Sleepy' }, scope(), { refresh: 'force_async', clientQueryId: 'to-cancel' });
    expect((await svc.status(1, 'to-cancel')).status).toBe(202);
    expect(await svc.cancel(1, 'to-cancel')).toBe(true);
    const after = await settle(svc, 1, 'to-cancel');
    expect(after.status).toBe(400);
    expect(after.body.query_status).toMatchObject({ complete: true, error: true, error_message: 'The query was cancelled.' });
    expect(await svc.cancel(1, 'unknown-id')).toBe(false);
  });

  it('a cancel that reaches another process (shared cache) wins over a late result', async () => {
    const cache = new MemoryCache();
    const stubborn: QueryRunner = () => new Promise((resolve) => setTimeout(() => resolve({ results: [['late']] }), 300));
    const a = service({ cache, runners: { Stubborn: stubborn } });
    const b = service({ cache, runners: { Stubborn: stubborn } });
    await a.run({ kind: 'Stubborn' }, scope(), { refresh: 'force_async', clientQueryId: 'elsewhere' });
    expect(await b.cancel(1, 'elsewhere')).toBe(true);
    await wait(500);
    const status = await a.status(1, 'elsewhere');
    expect(status.status).toBe(400);
    expect(status.body.query_status).toMatchObject({ complete: true, error: true, error_message: 'The query was cancelled.' });
  });

  it('cancels a blocking query from another request', async () => {
    const svc = service({ limits: { maxExecutionTimeSeconds: 30, maxMemoryUsageBytes: 50_000_000, maxResultRows: 100 } });
    const running = rejection(svc.run({ kind: 'Sleepy' }, scope(), { refresh: 'blocking', clientQueryId: 'blocking-cancel' }));
    await wait(50);
    expect((await svc.status(1, 'blocking-cancel')).status).toBe(202);
    expect(await svc.cancel(1, 'blocking-cancel')).toBe(true);
    expect(await running).toMatchObject({ status: 400, code: 'query_cancelled' });
  });

  it('refuses a second query with the id of one still running (409) and too many at once (429)', async () => {
    const svc = service({ maxConcurrentPerTeam: 2, limits: { maxExecutionTimeSeconds: 30, maxMemoryUsageBytes: 50_000_000, maxResultRows: 100 } });
    await svc.run({ kind: 'Sleepy' }, scope(), { refresh: 'force_async', clientQueryId: 'dup' });
    expect(await rejection(svc.run({ kind: 'Sleepy', ms: 1 }, scope(), { refresh: 'force_blocking', clientQueryId: 'dup' }))).toMatchObject({ status: 409 });
    await svc.run({ kind: 'Sleepy' }, scope(), { refresh: 'force_async', clientQueryId: 'second' });
    expect(await rejection(svc.run({ kind: 'Count', n: 1 }, scope(), { refresh: 'force_blocking' }))).toMatchObject({ status: 429 });
    // Another team is not held up.
    expect((await svc.run({ kind: 'Count', n: 1 }, scope(3), { refresh: 'force_blocking' })).status).toBe(200);
    await svc.cancel(1, 'dup');
    await svc.cancel(1, 'second');
    await wait(20);
    expect((await svc.run({ kind: 'Count', n: 1 }, scope(), { refresh: 'force_blocking' })).status).toBe(200);
  });
});

describe('runaway queries', () => {
  it('a scan past max_execution_time becomes a 504 query_timeout, and the store stays usable', async () => {
    const svc = service();
    const started = Date.now();
    const error = await rejection(svc.run({ kind: 'Heavy' }, scope(), { refresh: 'blocking' }));
    expect(error).toMatchObject({ status: 504, code: 'query_timeout' });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(await store.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('the event loop keeps serving while a runaway query runs', async () => {
    const svc = service();
    const heavy = rejection(svc.run({ kind: 'Heavy' }, scope(), { refresh: 'blocking' }));
    const ticks: number[] = [];
    const started = Date.now();
    while (Date.now() - started < 600) {
      const before = Date.now();
      await wait(10);
      ticks.push(Date.now() - before);
    }
    expect(Math.max(...ticks)).toBeLessThan(200);
    expect((await svc.run({ kind: 'Count', n: 21 }, scope(2), { refresh: 'blocking' })).body.results).toEqual([[21]]);
    expect((await heavy).code).toBe('query_timeout');
  });

  it('too many result rows and too much memory are 400s naming the limit', async () => {
    const svc = service();
    expect(await rejection(svc.run({ kind: 'Rows' }, scope(), { refresh: 'blocking' }))).toMatchObject({ status: 400, code: 'query_too_many_rows' });
    expect(await rejection(svc.run({ kind: 'Memory' }, scope(), { refresh: 'blocking' }))).toMatchObject({ status: 400, code: 'query_memory_limit_exceeded' });
    expect(await rejection(svc.run({ kind: 'BadSql' }, scope(), { refresh: 'blocking' }))).toMatchObject({ status: 400, code: 'query_error' });
  });

  it('a runaway background query ends with an error status', async () => {
    const svc = service();
    await svc.run({ kind: 'Heavy' }, scope(), { refresh: 'force_async', clientQueryId: 'heavy-async' });
    const done = await settle(svc, 1, 'heavy-async');
    expect(done.status).toBe(504);
    expect(done.body.query_status).toMatchObject({ complete: true, error: true });
  });

  it('a runner that never returns is given up a little after max_execution_time', async () => {
    const svc = service({ guardGraceMs: 200 });
    const started = Date.now();
    expect(await rejection(svc.run({ kind: 'Sleepy' }, scope(), { refresh: 'blocking' }))).toMatchObject({ status: 504, code: 'query_timeout' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('limits are settings of each query, never of the session: writes still work afterwards', async () => {
    const limited = limitedStore(store, { limits: { maxExecutionTimeSeconds: 1, maxMemoryUsageBytes: 50_000_000, maxResultRows: 100 }, queryId: 'limits-test' });
    expect(await limited.query('SELECT 1 AS x;  ')).toEqual([{ x: 1 }]);
    await expect(limited.insert('events', [{}])).rejects.toThrow(/cannot write/);
    await expect(limited.command('CREATE TABLE limited_write (x Int8) ENGINE = Memory')).rejects.toThrow();
    const settings = await store.query<{ name: string; changed: number }>("SELECT name, changed FROM system.settings WHERE name IN ('readonly', 'max_execution_time', 'max_result_rows')");
    expect(settings.every((s) => Number(s.changed) === 0)).toBe(true);
    await store.command('CREATE TABLE IF NOT EXISTS limited_write_ok (x Int8) ENGINE = Memory');
    await store.command('DROP TABLE limited_write_ok');
  });
});
