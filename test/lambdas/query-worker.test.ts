import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Team } from '../../lib/accounts/accounts-repository';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { QUERY_RESULTS_PREFIX } from '../../lib/query/query-state';
import { type LambdaEnvironment } from '../support/lambda-environment';
import { invoke } from '../support/lambda-invoke';
import { apiCaller, startLambdaTest, stopLambdaTest } from '../support/lambda-project';

/**
 * Async queries across the real handler modules, over local AWS: the api Lambda answers 202 and
 * invokes the query worker through the Lambda API (a local Invoke endpoint here, there is no
 * Lambda emulator), the test delivers the queued event to the query-worker Lambda, and the api
 * then answers the completed status from DynamoDB (and S3 for a large result).
 */
type Handlers = { api: typeof import('../../lambdas/api'); worker: typeof import('../../lambdas/query-worker') };

const WORKER = 'hedgerow-query-worker';
let aws: LambdaEnvironment;
let store: AnalyticsStore;
let lambdas: Handlers;
let team: Team;
let key: string;
let lambdaApi: http.Server;
/** The events Lambda queued for the worker, by invoke. */
const queued: { url: string; invocationType: string | undefined; event: unknown }[] = [];

beforeAll(async () => {
  ({ aws, store, project: { team, key } } = await startLambdaTest('query_worker', 'Query'));
  lambdaApi = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      queued.push({ url: req.url!, invocationType: req.headers['x-amz-invocation-type'] as string | undefined, event: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => lambdaApi.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(lambdaApi.address() as AddressInfo).port}`;
  Object.assign(process.env, aws.env, { HEDGEROW_QUERY_WORKER_FUNCTION: WORKER, AWS_ENDPOINT_URL_LAMBDA: endpoint });
  lambdas = { api: await import('../../lambdas/api'), worker: await import('../../lambdas/query-worker') };
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (lambdaApi ? lambdaApi.close(() => resolve()) : resolve()));
  await stopLambdaTest(store, aws);
  delete process.env.HEDGEROW_QUERY_WORKER_FUNCTION;
  delete process.env.AWS_ENDPOINT_URL_LAMBDA;
});

const api = apiCaller(() => lambdas.api.handler, () => key);

const runWorker = async (event: unknown) => (await invoke(lambdas.worker.handler, event, 'query-worker')).result;

describe('async queries through the query-worker Lambda', () => {
  test('the api answers 202 and queues the job; the worker completes it; the api answers the results', async () => {
    const asked = await api('POST', `/api/projects/${team.id}/query/`, { query: { kind: 'HogQLQuery', query: 'select 1 + 1' }, refresh: 'force_async', client_query_id: 'lambda-1' });
    expect(asked.status).toBe(202);
    expect(asked.json().query_status).toMatchObject({ id: 'lambda-1', complete: false, pickup_time: null });
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ url: `/2015-03-31/functions/${WORKER}/invocations`, invocationType: 'Event', event: { teamId: team.id, queryId: 'lambda-1', query: { kind: 'HogQLQuery' } } });
    expect((await api('GET', `/api/projects/${team.id}/query/lambda-1/`)).status).toBe(202);

    expect(await runWorker(queued[0].event)).toBe('completed');
    const done = await api('GET', `/api/projects/${team.id}/query/lambda-1/`);
    expect(done.status).toBe(200);
    expect(done.json().query_status).toMatchObject({ complete: true, error: false, results: { results: [[2]] } });
    // A redelivery of the same event changes nothing.
    expect(await runWorker(queued[0].event)).toBe('settled');
  });

  test('a result of megabytes (over the inline limit of a DynamoDB item) is kept in S3 and read back whole', async () => {
    const query = "select number, repeat(hex(toString(number)), 40) from numbers(10000) limit 10000";
    const asked = await api('POST', `/api/projects/${team.id}/query/`, { query: { kind: 'HogQLQuery', query }, refresh: 'force_async', client_query_id: 'lambda-big' });
    expect(asked.status).toBe(202);
    expect(await runWorker(queued.at(-1)!.event)).toBe('completed');
    const done = await api('GET', `/api/projects/${team.id}/query/lambda-big/`);
    expect(done.status).toBe(200);
    const results = done.json().query_status.results.results as unknown[][];
    expect(results).toHaveLength(10_000);
    expect(results[9_999][0]).toBe(9_999);
    expect((await aws.blobs.list(QUERY_RESULTS_PREFIX)).length).toBeGreaterThanOrEqual(2); // its status and its cache entry
  });

  test('a DELETE before the worker picks the job up: the worker leaves it cancelled', async () => {
    await api('POST', `/api/projects/${team.id}/query/`, { query: { kind: 'HogQLQuery', query: 'select 3' }, refresh: 'force_async', client_query_id: 'lambda-cancel' });
    expect((await api('DELETE', `/api/projects/${team.id}/query/lambda-cancel/`)).status).toBe(204);
    expect(await runWorker(queued.at(-1)!.event)).toBe('settled');
    const status = await api('GET', `/api/projects/${team.id}/query/lambda-cancel/`);
    expect(status.json().query_status).toMatchObject({ complete: true, error: true, error_message: 'The query was cancelled.' });
  });
});
