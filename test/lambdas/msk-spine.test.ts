import { gzipSync } from 'node:zlib';
import { Kafka, logLevel } from 'kafkajs';
import type { Team } from '../../lib/accounts/accounts-repository';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { type LambdaEnvironment } from '../support/lambda-environment';
import { httpApiEvent } from '../support/lambda-events';
import { invoke } from '../support/lambda-invoke';
import { apiCaller, importSpineHandlers, startLambdaTest, stopLambdaTest, type SpineHandlers } from '../support/lambda-project';
import { startMockKafka, type MockKafkaCluster } from '../support/kafka/mock-cluster';
import { readMskEvent } from '../support/kafka/msk-events';

/**
 * The ingestion spine with MSK as the bus (`-c bus=msk`): the real handler modules, capture
 * producing to Kafka topics (a Kafka cluster over TCP: librdkafka's mock cluster, without MSK's
 * IAM authentication), the consumers fed the MSK events an event-source mapping delivers.
 */
const TOPICS = { events: 'msk-events', events_processed: 'msk-events-processed', recordings: 'msk-recordings' };

let cluster: MockKafkaCluster;
let kafka: Kafka;
let aws: LambdaEnvironment;
let store: AnalyticsStore;
let lambdas: SpineHandlers;
let team: Team;
let personalApiKey: string;

beforeAll(async () => {
  cluster = await startMockKafka({ [TOPICS.events]: 3, [TOPICS.events_processed]: 2, [TOPICS.recordings]: 1 });
  kafka = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING });
  ({ aws, store, project: { team, key: personalApiKey } } = await startLambdaTest('msk', 'Msk'));
  Object.assign(process.env, aws.env, {
    HEDGEROW_KAFKA_BROKERS: cluster.brokers.join(','),
    HEDGEROW_KAFKA_AUTH: 'none',
    HEDGEROW_STREAM_EVENTS: TOPICS.events,
    HEDGEROW_STREAM_EVENTS_PROCESSED: TOPICS.events_processed,
    HEDGEROW_STREAM_RECORDINGS: TOPICS.recordings,
  });
  lambdas = await importSpineHandlers();
}, 60_000);

afterAll(async () => {
  await stopLambdaTest(store, aws);
  await cluster?.stop();
});

const api = apiCaller(() => lambdas.api.handler, () => personalApiKey);

it('takes a posthog-js batch from capture through the MSK topics, persons and the loader into the events API, once', async () => {
  const t0 = Date.now() - 60_000;
  const batch = [
    { uuid: '0193f0a0-0000-7000-8000-0000000000a1', event: '$pageview', properties: { distinct_id: 'anon-k', token: team.apiToken }, timestamp: new Date(t0).toISOString() },
    {
      uuid: '0193f0a0-0000-7000-8000-0000000000a2',
      event: '$identify',
      properties: { distinct_id: 'user-k', token: team.apiToken, $anon_distinct_id: 'anon-k', $set: { email: 'k@example.com' } },
      timestamp: new Date(t0 + 1000).toISOString(),
    },
  ];
  const body = gzipSync(JSON.stringify({ api_key: team.apiToken, batch, sent_at: new Date().toISOString() }));
  const { result } = await invoke(lambdas.capture.handler, httpApiEvent({ method: 'POST', url: '/i/v0/e/', headers: { 'content-type': 'text/plain' }, body }), 'capture');
  expect(result).toMatchObject({ statusCode: 200 });

  // Capture keyed each record by token and distinct id.
  const captured = await readMskEvent(kafka, TOPICS.events);
  const keys = Object.values(captured.records).flat().map((r) => Buffer.from(r.key, 'base64').toString());
  expect(keys.sort()).toEqual([`${team.apiToken}:anon-k`, `${team.apiToken}:user-k`]);

  expect((await invoke(lambdas.consumer.handler, captured, 'ingestion-consumer')).result).toEqual({ batchItemFailures: [] });
  const processed = await readMskEvent(kafka, TOPICS.events_processed);
  expect(Object.values(processed.records).flat().length).toBeGreaterThan(0);

  // The loader gets the batch twice (a redelivery): the rows land once.
  for (let i = 0; i < 2; i++) expect((await invoke(lambdas.loader.handler, processed, 'clickhouse-loader')).result).toEqual({ batchItemFailures: [] });

  const events = (await api('GET', '/api/projects/@current/events/')).json() as { results: { id: string; distinct_id: string; person: { distinct_ids: string[] } | null }[] };
  expect(events.results.map((e) => e.id).sort()).toEqual(batch.map((e) => e.uuid));
  const persons = (await api('GET', '/api/projects/@current/persons/?distinct_id=anon-k')).json() as { results: { distinct_ids: string[]; properties: Record<string, unknown> }[] };
  expect(persons.results).toHaveLength(1);
  expect(persons.results[0].distinct_ids.sort()).toEqual(['anon-k', 'user-k']);
  expect(persons.results[0].properties).toMatchObject({ email: 'k@example.com' });
}, 90_000);
