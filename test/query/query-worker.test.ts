/**
 * Background queries through a dispatcher (AWS: an async Lambda invoke of the query worker), in
 * process on chDB and PGlite: the api's service writes the pending status and dispatches a job;
 * the worker's own service (same store, same shared cache) runs it with runJob.
 */
import { MemoryCache } from '../../lib/adapters/local/memory-cache';
import type { PgliteDatabase } from '../../lib/adapters/local/pglite-database';
import { runHogQLQuery } from '../../lib/hogql';
import { insertAction } from '../../lib/insights/action-repository';
import { insertInsightVariable } from '../../lib/insights/insight-variable-repository';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import type { QueryDispatcher, QueryJob } from '../../lib/ports/query-dispatcher';
import { QueryService, type QueryScope, type QueryServiceOptions } from '../../lib/query/query-service';
import { scopeLoaders } from '../../lib/query/query-scope';
import { createQueryWorker } from '../../lib/query/query-worker';
import type { QueryContext, QueryRunner } from '../../lib/query/types';
import { openTestStore } from '../support/chdb';
import { createTestPglite } from '../support/pglite';
import { insertTestTeam } from '../support/teams';

let store: AnalyticsStore;
let db: PgliteDatabase;
let teamId: number;
let actionId: number;
let calls = 0;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const countRunner: QueryRunner = async (query, ctx) => {
  calls += 1;
  const rows = await ctx.store.query<{ n: number }>(`SELECT toUInt32(${Number(query.n ?? 1)}) AS n`);
  return { results: rows.map((r) => [r.n]), columns: ['n'] };
};
/** What the worker's scope holds: the job's time zone, group types and settings, the action from the database. */
const scopeRunner: QueryRunner = async (query, ctx) => ({
  results: [[ctx.timezone, ctx.groupTypes.get(0) ?? null, (await ctx.loadAction(Number(query.action)))?.name ?? null, ctx.testAccountFilters ?? null]],
});
const sleepyRunner: QueryRunner = (query, ctx: QueryContext) =>
  new Promise((resolve, reject) => {
    calls += 1;
    const timer = setTimeout(() => resolve({ results: [['late']] }), Number(query.ms ?? 60_000));
    ctx.signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
const badSqlRunner: QueryRunner = async (_query, ctx) => ({ results: await ctx.store.query('SELECT no_such_column FROM numbers(1)') });
const brokenRunner: QueryRunner = async () => {
  throw new Error('socket hang up (internal detail)');
};
const runners = { Count: countRunner, Scope: scopeRunner, Sleepy: sleepyRunner, BadSql: badSqlRunner, Broken: brokenRunner, HogQLQuery: runHogQLQuery };
const limits = { maxExecutionTimeSeconds: 2, maxMemoryUsageBytes: 50_000_000, maxResultRows: 100 };

/** A dispatcher that queues jobs as the JSON an invoke carries; the test delivers them to the worker. */
class QueuedDispatcher implements QueryDispatcher {
  readonly jobs: QueryJob[] = [];
  failWith?: Error;
  async dispatch(job: QueryJob): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.jobs.push(JSON.parse(JSON.stringify(job)) as QueryJob);
  }
}

function setup(options: { api?: Partial<QueryServiceOptions>; worker?: Partial<QueryServiceOptions> } = {}) {
  const cache = new MemoryCache();
  const dispatcher = new QueuedDispatcher();
  const api = new QueryService({ runners, store, cache, limits, dispatcher, ...options.api });
  const workerService = new QueryService({ runners, store, cache, limits, cancelPollMs: 50, ...options.worker });
  const worker = createQueryWorker({ queries: workerService, db });
  const deliver = (job = dispatcher.jobs.at(-1)) => worker(job);
  const jobOf = (id: string) => dispatcher.jobs.find((j) => j.queryId === id);
  return { api, dispatcher, worker, deliver, jobOf, cache };
}

const INTERNAL = [{ key: 'email', operator: 'not_icontains' as const, value: '@hedgerow.test', type: 'person' as const }];
const scope = (): QueryScope => ({ teamId, timezone: 'Europe/Paris', groupTypes: new Map([[0, 'company']]), testAccountFilters: INTERNAL, ...scopeLoaders(db, teamId) });

async function pickedUp(api: QueryService, id: string): Promise<boolean> {
  return ((await api.status(teamId, id)).body.query_status as { pickup_time: string | null }).pickup_time !== null;
}

async function waitFor(check: () => Promise<boolean>) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await wait(20);
  }
  throw new Error('condition not reached');
}

beforeAll(async () => {
  [store, db] = await Promise.all([openTestStore(), createTestPglite()]);
  ({ teamId } = await insertTestTeam(db));
  const action = await insertAction(db, teamId, { name: 'Signed up', description: '', steps: [{ event: 'signup' }], tags: [], post_to_slack: false, slack_message_format: '', pinned_at: null, deleted: false }, null);
  actionId = action.id;
}, 60_000);

afterAll(async () => {
  await store.close();
  await db.close();
});

beforeEach(() => {
  calls = 0;
});

describe('a dispatched query', () => {
  it('answers 202 pending, the worker completes it, and its status holds what a blocking run returns', async () => {
    const { api, dispatcher, deliver } = setup();
    const accepted = await api.run({ kind: 'InsightVizNode', source: { kind: 'Count', n: 3 } }, scope(), { refresh: 'force_async', clientQueryId: 'job-1' });
    expect(accepted.status).toBe(202);
    expect(accepted.body.query_status).toMatchObject({ id: 'job-1', query_async: true, complete: false, pickup_time: null });
    expect(calls).toBe(0);
    expect(dispatcher.jobs).toEqual([{ version: 1, teamId, timezone: 'Europe/Paris', groupTypes: [[0, 'company']], settings: { testAccountFilters: INTERNAL }, query: { kind: 'Count', n: 3 }, cacheKey: accepted.body.cache_key, queryId: 'job-1' }]);
    expect((await api.status(teamId, 'job-1')).status).toBe(202);

    expect(await deliver()).toBe('completed');
    const done = await api.status(teamId, 'job-1');
    expect(done.status).toBe(200);
    const status = done.body.query_status as { complete: boolean; error: boolean; pickup_time: string; results: Record<string, unknown> };
    expect(status).toMatchObject({ complete: true, error: false });
    expect(Date.parse(status.pickup_time)).toBeGreaterThan(0);
    const blocking = await new QueryService({ runners, store, cache: new MemoryCache(), limits }).run({ kind: 'Count', n: 3 }, scope(), { refresh: 'blocking' });
    expect(status.results.results).toEqual(blocking.body.results);
    expect(status.results.columns).toEqual(blocking.body.columns);

    // The worker filled the shared result cache: the api answers the same query from it.
    const cached = await api.run({ kind: 'Count', n: 3 }, scope(), { refresh: 'blocking' });
    expect(cached.body).toMatchObject({ is_cached: true, results: [[3]] });
    expect(calls).toBe(2); // the worker's run and the separate blocking run, none by the api
  });

  it('runs in the worker with the scope the api resolved: time zone, group types and settings from the job, the action from the database', async () => {
    const { api, deliver } = setup();
    await api.run({ kind: 'Scope', action: actionId }, scope(), { refresh: 'force_async', clientQueryId: 'scope-1' });
    expect(await deliver()).toBe('completed');
    expect((await api.status(teamId, 'scope-1')).body.query_status).toMatchObject({ results: { results: [['Europe/Paris', 'company', 'Signed up', INTERNAL]] } });
  });

  it("resolves a HogQL query's {variables.x} in the worker, from the database's variables", async () => {
    const { api, deliver } = setup();
    await insertInsightVariable(db, teamId, { name: 'Worker limit', type: 'Number', default_value: 41, values: null }, null);
    await api.run({ kind: 'HogQLQuery', query: 'select {variables.worker_limit} + 1' }, scope(), { refresh: 'force_async', clientQueryId: 'variables-1' });
    expect(await deliver()).toBe('completed');
    expect((await api.status(teamId, 'variables-1')).body.query_status).toMatchObject({ results: { results: [[42]] } });
  });

  it('cancelled before a worker picks it up: the worker does not run it', async () => {
    const { api, deliver } = setup();
    await api.run({ kind: 'Count', n: 4 }, scope(), { refresh: 'force_async', clientQueryId: 'cancel-early' });
    expect(await api.cancel(teamId, 'cancel-early')).toBe(true);
    expect(await deliver()).toBe('settled');
    expect(calls).toBe(0);
    const outcome = await api.status(teamId, 'cancel-early');
    expect(outcome.status).toBe(400);
    expect(outcome.body.query_status).toMatchObject({ complete: true, error: true, error_message: 'The query was cancelled.' });
  });

  it('cancelled in the instant between the worker reading the status and recording its pickup: still not run', async () => {
    const shared = new MemoryCache();
    let onRead: (() => Promise<void>) | undefined;
    // The worker's view of the cache: the DELETE lands right after the worker read the pending status.
    const workerCache = Object.assign(Object.create(shared) as MemoryCache, {
      get: async (key: string) => {
        const value = await shared.get(key);
        const hook = onRead;
        onRead = undefined;
        await hook?.();
        return value;
      },
    });
    const { api, deliver } = setup({ api: { cache: shared }, worker: { cache: workerCache } });
    await api.run({ kind: 'Count', n: 11 }, scope(), { refresh: 'force_async', clientQueryId: 'cancel-race' });
    onRead = async () => void (await api.cancel(teamId, 'cancel-race'));
    expect(await deliver()).toBe('settled');
    expect(calls).toBe(0);
    expect((await api.status(teamId, 'cancel-race')).body.query_status).toMatchObject({ complete: true, error: true, error_message: 'The query was cancelled.' });
    // The id serves a new query afterwards.
    await api.run({ kind: 'Count', n: 12 }, scope(), { refresh: 'force_async', clientQueryId: 'cancel-race' });
    expect(await deliver()).toBe('completed');
    expect((await api.status(teamId, 'cancel-race')).body.query_status).toMatchObject({ complete: true, error: false, results: { results: [[12]] } });
  });

  it('cancelled while the worker runs it: the worker stops at once and keeps the cancellation', async () => {
    const { api, deliver } = setup();
    await api.run({ kind: 'Sleepy', ms: 30_000 }, scope(), { refresh: 'force_async', clientQueryId: 'cancel-late' });
    const started = Date.now();
    const running = deliver();
    await waitFor(async () => pickedUp(api, 'cancel-late'));
    expect(await api.cancel(teamId, 'cancel-late')).toBe(true);
    expect(await running).toBe('settled');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await api.status(teamId, 'cancel-late')).body.query_status).toMatchObject({ error: true, error_message: 'The query was cancelled.' });
  });

  it('a query that fails in the worker ends with an error status: the engine’s message, or a generic one for internal errors', async () => {
    const { api, dispatcher, deliver } = setup();
    await api.run({ kind: 'BadSql' }, scope(), { refresh: 'force_async', clientQueryId: 'bad-sql' });
    await api.run({ kind: 'Broken' }, scope(), { refresh: 'force_async', clientQueryId: 'broken' });
    expect(await deliver(dispatcher.jobs[0])).toBe('failed');
    expect(await deliver(dispatcher.jobs[1])).toBe('failed');
    const badSql = await api.status(teamId, 'bad-sql');
    expect(badSql.status).toBe(400);
    expect(badSql.body.query_status).toMatchObject({ complete: true, error: true, error_message: expect.stringMatching(/no_such_column/) });
    const broken = await api.status(teamId, 'broken');
    expect(broken.status).toBe(500);
    expect(broken.body.query_status).toMatchObject({ complete: true, error: true, error_message: 'The query failed.' });
  });

  it('a redelivered job does not run twice: not while the first delivery runs, not once it is done', async () => {
    const { api, deliver } = setup();
    await api.run({ kind: 'Sleepy', ms: 300 }, scope(), { refresh: 'force_async', clientQueryId: 'twice' });
    const first = deliver();
    await waitFor(async () => pickedUp(api, 'twice'));
    expect(await deliver()).toBe('running');
    expect(await first).toBe('completed');
    expect(await deliver()).toBe('settled');
    expect(calls).toBe(1);
    expect((await api.status(teamId, 'twice')).body.query_status).toMatchObject({ complete: true, error: false, results: { results: [['late']] } });
  });

  it('a retry after a worker died mid-run runs it again', async () => {
    let now = new Date();
    const { api, deliver, cache } = setup({ worker: { now: () => now } });
    await api.run({ kind: 'Count', n: 5 }, scope(), { refresh: 'force_async', clientQueryId: 'retry' });
    // The first worker recorded its pickup, then its Lambda timed out before the query ended.
    const key = `query_status:${teamId}:retry`;
    const record = JSON.parse((await cache.get(key))!);
    await cache.set(key, JSON.stringify({ ...record, status: { ...record.status, pickup_time: now.toISOString() } }), 3600);
    expect(await deliver()).toBe('running');
    now = new Date(now.getTime() + 60_000); // Lambda retries an async invoke after a minute
    expect(await deliver()).toBe('completed');
    expect((await api.status(teamId, 'retry')).body.query_status).toMatchObject({ complete: true, results: { results: [[5]] } });
  });

  it('a job that reaches a worker after its deadline is reported, not run; a job no worker took fails at the deadline', async () => {
    let now = new Date();
    const { api, deliver, jobOf } = setup({ api: { now: () => now, dispatchDeadlineSeconds: 60 }, worker: { now: () => now } });
    await api.run({ kind: 'Count', n: 6 }, scope(), { refresh: 'force_async', clientQueryId: 'late' });
    await api.run({ kind: 'Count', n: 7 }, scope(), { refresh: 'force_async', clientQueryId: 'lost' });
    now = new Date(now.getTime() + 59_000); // not enough time left to run within the deadline
    expect((await api.status(teamId, 'lost')).status).toBe(202);
    expect(await deliver(jobOf('late'))).toBe('failed');
    expect(calls).toBe(0);
    expect((await api.status(teamId, 'late')).body.query_status).toMatchObject({ error: true, error_message: expect.stringMatching(/waited too long/) });
    now = new Date(now.getTime() + 2_000);
    const lost = await api.status(teamId, 'lost');
    expect(lost.status).toBe(500);
    expect(lost.body.query_status).toMatchObject({ complete: true, error: true, error_message: 'The query did not complete.' });
  });

  it('a dispatch that fails fails the request and the status says the query never started; the id is free again', async () => {
    const { api, dispatcher } = setup();
    dispatcher.failWith = new Error('Rate exceeded');
    await expect(api.run({ kind: 'Count', n: 8 }, scope(), { refresh: 'force_async', clientQueryId: 'undispatched' })).rejects.toThrow('Rate exceeded');
    const outcome = await api.status(teamId, 'undispatched');
    expect(outcome.status).toBe(503);
    expect(outcome.body.query_status).toMatchObject({ complete: true, error: true, error_message: 'The query could not be started. Try again.' });
    dispatcher.failWith = undefined;
    expect((await api.run({ kind: 'Count', n: 8 }, scope(), { refresh: 'force_async', clientQueryId: 'undispatched' })).status).toBe(202);
  });

  it('refuses a second query with the id of one still pending in another process (409)', async () => {
    const { api } = setup();
    await api.run({ kind: 'Count', n: 9 }, scope(), { refresh: 'force_async', clientQueryId: 'dup' });
    await expect(api.run({ kind: 'Count', n: 10 }, scope(), { refresh: 'force_async', clientQueryId: 'dup' })).rejects.toMatchObject({ status: 409 });
  });

  it('the worker refuses an event that is not a job (the platform retries it, then dead-letters it)', async () => {
    const { worker } = setup();
    await expect(worker({ version: 1, teamId: 'one' })).rejects.toThrow(/Not a query job: teamId/);
    await expect(worker('{}')).rejects.toThrow(TypeError);
  });
});

