/**
 * The Lambda dispatcher with the real SDK client against a local server speaking Lambda's Invoke
 * REST call (there is no Lambda emulator here): what the client sends, and how refusals surface.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaQueryDispatcher } from '../../../lib/adapters/aws/lambda-query-dispatcher';
import type { QueryJob } from '../../../lib/ports/query-dispatcher';
import { parseQueryJob } from '../../../lib/query/query-job';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/aws-emulators';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

let server: http.Server;
let client: LambdaClient;
const received: Received[] = [];
/** What the server answers next: Lambda's 202 for a queued event by default. */
let reply: { status: number; headers?: Record<string, string>; body?: string } = { status: 202 };

const job: QueryJob = {
  version: 1,
  teamId: 7,
  timezone: 'Europe/Paris',
  groupTypes: [[0, 'company']],
  settings: { testAccountFilters: [{ key: 'email', operator: 'not_icontains', value: '@example.com', type: 'person' }] },
  query: { kind: 'TrendsQuery', series: [{ kind: 'EventsNode', event: '$pageview' }], interval: 'day' },
  cacheKey: 'cache_0123456789abcdef0123456789abcdef01234567',
  queryId: 'q-1',
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(reply.status, { 'x-amzn-requestid': 'req-1', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // One attempt: the refusals below reach the caller as they are.
  client = new LambdaClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  reply = { status: 202 };
});

describe('LambdaQueryDispatcher', () => {
  it('invokes the worker asynchronously (Event), signed, with the job as the JSON payload', async () => {
    await new LambdaQueryDispatcher({ functionName: 'hedgerow-query-worker', client }).dispatch(job);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/2015-03-31/functions/hedgerow-query-worker/invocations');
    expect(request.headers['x-amz-invocation-type']).toBe('Event');
    expect(request.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/\\d{8}/${TEST_REGION}/lambda/aws4_request`));
    // What the worker receives parses back into the very job.
    expect(parseQueryJob(JSON.parse(request.body))).toEqual(job);
  });

  it('addresses a function given by ARN', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:hedgerow-query-worker';
    await new LambdaQueryDispatcher({ functionName: arn, client }).dispatch(job);
    expect(decodeURIComponent(received[0].url)).toBe(`/2015-03-31/functions/${arn}/invocations`);
  });

  it('rejects when Lambda refuses the event (throttled), naming the error', async () => {
    reply = {
      status: 429,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' },
      body: JSON.stringify({ Type: 'User', message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }),
    };
    await expect(new LambdaQueryDispatcher({ functionName: 'hedgerow-query-worker', client }).dispatch(job)).rejects.toMatchObject({ name: 'TooManyRequestsException' });
  });

  it('rejects an answer other than 202 (the event was not queued)', async () => {
    reply = { status: 200, body: 'null' };
    await expect(new LambdaQueryDispatcher({ functionName: 'hedgerow-query-worker', client }).dispatch(job)).rejects.toThrow(/did not queue the query job \(status 200\)/);
  });

  it('refuses a job larger than an asynchronous invoke carries, without calling Lambda', async () => {
    const huge = { ...job, query: { kind: 'HogQLQuery', query: `SELECT '${'x'.repeat(300_000)}'` } };
    await expect(new LambdaQueryDispatcher({ functionName: 'hedgerow-query-worker', client }).dispatch(huge)).rejects.toThrow(RangeError);
    expect(received).toHaveLength(0);
  });
});
