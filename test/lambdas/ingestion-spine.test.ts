import { gzipSync } from 'node:zlib';
import type { KinesisStreamEvent } from 'aws-lambda';
import { type Team } from '../../lib/accounts/accounts-repository';
import { createBlobDeadLetterStore } from '../../lib/dead-letters/dead-letter-store';
import { parseProcessedRecord } from '../../lib/ingestion/processed-records';
import type { CapturedRecord } from '../../lib/ingestion/records';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { type LambdaEnvironment } from '../support/lambda-environment';
import { albEvent, httpApiEvent } from '../support/lambda-events';
import { invoke } from '../support/lambda-invoke';
import { importSpineHandlers, startLambdaTest, stopLambdaTest, type SpineHandlers } from '../support/lambda-project';

/**
 * The real Lambda handler modules, invoked with the events AWS delivers, over local
 * implementations of every service they reach over HTTP (see test/support/lambda-environment.ts):
 * capture → Kinesis `events` → ingestion consumer → Aurora (Data API) + `events_processed` →
 * ClickHouse loader → chDB → api. Each step is fed what the step before it really wrote, so
 * the tests run in file order and build on each other.
 */
let aws: LambdaEnvironment;
let store: AnalyticsStore;
let lambdas: SpineHandlers;
let team: Team;
let personalApiKey: string;

const t0 = Date.now() - 60_000;
const iso = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();

beforeAll(async () => {
  ({ aws, store, project: { team, key: personalApiKey } } = await startLambdaTest('lambdas', 'Lambda'));

  // A cold start: the environment is in place before a handler module is loaded.
  Object.assign(process.env, aws.env);
  lambdas = await importSpineHandlers();
}, 60_000);

afterAll(async () => {
  // The loader and api modules keep their chDB sessions open, as a warm Lambda would; chDB
  // binds one folder per process, so they are closed before another test file in this worker opens one.
  await stopLambdaTest(store, aws);
});

const decode = (event: KinesisStreamEvent) => event.Records.map((r) => ({ key: r.kinesis.partitionKey, body: JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')) }));

describe('capture handler', () => {
  it('answers an API Gateway HTTP API (v2) event with a posthog-js gzip batch: 200, one Kinesis record per distinct id', async () => {
    const batch = [
      { uuid: '0193f0a0-0000-7000-8000-000000000001', event: '$pageview', properties: { distinct_id: 'anon-1', token: team.apiToken, $current_url: 'https://example.com/' }, timestamp: iso(0) },
      {
        uuid: '0193f0a0-0000-7000-8000-000000000002',
        event: '$identify',
        properties: { distinct_id: 'user-1', token: team.apiToken, $anon_distinct_id: 'anon-1', $set: { email: 'user-1@example.com' } },
        timestamp: iso(1000),
      },
    ];
    // posthog-js: gzip as text/plain with no Content-Encoding; API Gateway hands binary bodies over as base64.
    const body = gzipSync(JSON.stringify({ api_key: team.apiToken, batch, sent_at: new Date().toISOString() }));
    const event = httpApiEvent({ method: 'POST', url: '/i/v0/e/', headers: { 'content-type': 'text/plain', origin: 'https://example.com' }, body, sourceIp: '203.0.113.7' });

    const { result } = await invoke(lambdas.capture.handler, event, 'capture');

    expect(result).toMatchObject({ statusCode: 200, body: '{"status":"Ok"}', headers: { 'access-control-allow-origin': 'https://example.com' } });
    expect(result).not.toHaveProperty('statusDescription');
    const records = decode(await aws.kinesisEvent(aws.streams.events));
    expect(records.map((r) => r.key).sort()).toEqual([`${team.apiToken}:anon-1`, `${team.apiToken}:user-1`]);
    for (const { key, body: record } of records as { key: string; body: CapturedRecord }[]) {
      expect(record).toMatchObject({ v: 1, team_id: team.id, token: team.apiToken, ip: '203.0.113.7' });
      expect(key).toBe(`${team.apiToken}:${record.distinct_id}`);
    }
  });

  it('answers an ALB event with a posthog-node gzip batch (Content-Encoding: gzip) in the ALB result shape', async () => {
    const batch = [{ event: 'order placed', distinct_id: 'user-1', properties: { $lib: 'posthog-node', amount: 42 }, timestamp: iso(2000) }];
    const body = gzipSync(JSON.stringify({ api_key: team.apiToken, batch, sent_at: new Date().toISOString() }));
    const event = albEvent({ method: 'POST', url: '/batch/', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body, sourceIp: '198.51.100.9' });

    const { result } = await invoke(lambdas.capture.handler, event, 'capture');

    expect(result).toMatchObject({ statusCode: 200, statusDescription: '200', body: '{"status":"Ok"}', isBase64Encoded: false });
    const records = decode(await aws.kinesisEvent(aws.streams.events));
    expect(records).toHaveLength(3);
    const fromAlb = records.map((r) => r.body as CapturedRecord).find((r) => r.events[0].event === 'order placed')!;
    expect(fromAlb).toMatchObject({ team_id: team.id, distinct_id: 'user-1', ip: '198.51.100.9' });
    expect(records.find((r) => r.body === fromAlb)!.key).toBe(`${team.apiToken}:user-1`);
  });

  it('rejects a token DynamoDB does not know with 401 and writes nothing', async () => {
    const body = JSON.stringify({ api_key: 'phc_not_a_real_project_token', event: 'x', distinct_id: 'd1' });
    const { result } = await invoke(lambdas.capture.handler, httpApiEvent({ method: 'POST', url: '/capture/', headers: { 'content-type': 'application/json' }, body }), 'capture');

    expect(result).toMatchObject({ statusCode: 401 });
    expect(JSON.parse((result as { body: string }).body)).toMatchObject({ code: 'ingest_key_unknown' });
    expect((await aws.kinesisEvent(aws.streams.events)).Records).toHaveLength(3);
  });
});

describe('ingestion-consumer handler', () => {
  it('turns the Kinesis event of what capture wrote into persons in Aurora (Data API) and records on events_processed', async () => {
    const event = await aws.kinesisEvent(aws.streams.events);

    const { result } = await invoke(lambdas.consumer.handler, event, 'ingestion-consumer');

    expect(result).toEqual({ batchItemFailures: [] });
    const { rows } = await aws.db.query<{ distinct_id: string; person_uuid: string; is_identified: boolean; properties: string }>(
      `SELECT d.distinct_id, p.uuid::text AS person_uuid, p.is_identified, p.properties::text AS properties
         FROM posthog_persondistinctid d JOIN posthog_person p ON p.id = d.person_id
        WHERE d.team_id = $1 ORDER BY d.distinct_id`,
      [team.id],
    );
    expect(rows.map((r) => r.distinct_id)).toEqual(['anon-1', 'user-1']);
    expect(new Set(rows.map((r) => r.person_uuid)).size).toBe(1);
    expect(rows[0].is_identified).toBe(true);
    expect(JSON.parse(rows[0].properties)).toMatchObject({ email: 'user-1@example.com' });

    const processed = (await aws.kinesisEvent(aws.streams.events_processed)).Records;
    expect(processed.length).toBeGreaterThan(0);
    const lines = processed.map((r) => parseProcessedRecord(Buffer.from(r.kinesis.data, 'base64')));
    const events = lines.flatMap((l) => l.events.map((e) => JSON.parse(e.row.toString()) as { event: string; team_id: number; person_id: string }));
    expect(lines.flatMap((l) => l.distinctIds.map((d) => (JSON.parse(d.row.toString()) as { distinct_id: string }).distinct_id)).sort()).toEqual(['anon-1', 'user-1']);
    expect(events.map((e) => e.event).sort()).toEqual(['$identify', '$pageview', 'order placed']);
    for (const e of events) expect(e).toMatchObject({ team_id: team.id, person_id: rows[0].person_uuid });
  });

  it('sends a poison record to the dead-letter store in S3 and reports no failure, so the shard moves on', async () => {
    const poison = structuredClone(await aws.kinesisEvent(aws.streams.events));
    poison.Records.splice(1);
    poison.Records[0].kinesis.data = Buffer.from('{"v":1,"not":"a captured record"}').toString('base64');
    const processedBefore = (await aws.kinesisEvent(aws.streams.events_processed)).Records.length;

    const { result, metrics } = await invoke(lambdas.consumer.handler, poison, 'ingestion-consumer');

    expect(result).toEqual({ batchItemFailures: [] });
    expect(metrics.ingestion_dead_letters).toBe(1);
    const letters = await createBlobDeadLetterStore(aws.blobs).list('ingestion-consumer');
    expect(letters).toEqual([expect.objectContaining({ reason: 'invalid_record_shape', sequenceNumber: poison.Records[0].kinesis.sequenceNumber })]);
    expect((await aws.kinesisEvent(aws.streams.events_processed)).Records).toHaveLength(processedBefore);
  });
});

describe('clickhouse-loader handler', () => {
  it('loads the events_processed records into ClickHouse, and a redelivered batch adds nothing', async () => {
    const event = await aws.kinesisEvent(aws.streams.events_processed);

    const first = await invoke(lambdas.loader.handler, event, 'clickhouse-loader');
    const again = await invoke(lambdas.loader.handler, event, 'clickhouse-loader');

    expect(first.result).toEqual({ batchItemFailures: [] });
    expect(again.result).toEqual({ batchItemFailures: [] });
    expect(first.metrics.loader_events_inserted).toBe(3);
    expect(again.metrics).toMatchObject({ loader_events_inserted: 0, loader_events_deduplicated: 3 });
    const events = await store.query<{ event: string; distinct_id: string; person_id: string }>(
      'SELECT event, distinct_id, toString(person_id) AS person_id FROM events WHERE team_id = {team:Int64} ORDER BY timestamp',
      { params: { team: team.id } },
    );
    expect(events.map((e) => [e.event, e.distinct_id])).toEqual([
      ['$pageview', 'anon-1'],
      ['$identify', 'user-1'],
      ['order placed', 'user-1'],
    ]);
    const distinctIds = await store.query<{ distinct_id: string }>(
      'SELECT distinct_id FROM person_distinct_id2 FINAL WHERE team_id = {team:Int64} ORDER BY distinct_id',
      { params: { team: team.id } },
    );
    expect(distinctIds.map((d) => d.distinct_id)).toEqual(['anon-1', 'user-1']);
    // The ClickHouse connection came from its secret (chdb://… here), read once per cold start.
    expect(aws.secrets.calls.filter((c) => c.endsWith(aws.env.HEDGEROW_CLICKHOUSE_SECRET_ARN))).toHaveLength(1);
  });
});

describe('api handler', () => {
  it('answers /_health', async () => {
    const { result } = await invoke(lambdas.api.handler, httpApiEvent({ method: 'GET', url: '/_health' }), 'api');
    expect(result).toMatchObject({ statusCode: 200 });
    expect(JSON.parse((result as { body: string }).body)).toEqual({ status: 'ok' });
  });

  it('lists the events newest first for a personal API key, with their person', async () => {
    const event = httpApiEvent({ method: 'GET', url: '/api/projects/@current/events/?limit=10', headers: { authorization: `Bearer ${personalApiKey}` } });

    const { result } = await invoke(lambdas.api.handler, event, 'api');

    expect(result).toMatchObject({ statusCode: 200 });
    const page = JSON.parse((result as { body: string }).body) as { next: string | null; results: { event: string; distinct_id: string; person: { distinct_ids: string[] } | null }[] };
    expect(page.next).toBeNull();
    expect(page.results.map((e) => e.event)).toEqual(['order placed', '$identify', '$pageview']);
    for (const e of page.results) expect(e.person?.distinct_ids.sort()).toEqual(['anon-1', 'user-1']);
  });

  it('creates a project whose token capture accepts at once: the api publishes it to DynamoDB', async () => {
    const create = httpApiEvent({
      method: 'POST',
      url: '/api/projects/',
      headers: { authorization: `Bearer ${personalApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Second project' }),
    });
    const { result } = await invoke(lambdas.api.handler, create, 'api');
    expect(result).toMatchObject({ statusCode: 201 });
    const project = JSON.parse((result as { body: string }).body) as { id: number; api_token: string };

    expect(await aws.kv.get(`team-token:${project.api_token}`)).toEqual({ teamId: project.id, token: project.api_token });
    const body = JSON.stringify({ api_key: project.api_token, event: 'first', distinct_id: 'p2-user' });
    const { result: captured } = await invoke(lambdas.capture.handler, httpApiEvent({ method: 'POST', url: '/e/', headers: { 'content-type': 'application/json' }, body }), 'capture');
    expect(captured).toMatchObject({ statusCode: 200 });
  });

  it('answers 401 without a key, through an ALB event too', async () => {
    const { result } = await invoke(lambdas.api.handler, albEvent({ method: 'GET', url: `/api/projects/${team.id}/events/` }), 'api');
    expect(result).toMatchObject({ statusCode: 401, statusDescription: '401' });
  });
});
