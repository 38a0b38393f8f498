/**
 * The local platform with KAFKA_BROKERS at a Kafka cluster (librdkafka's mock cluster over TCP;
 * chDB and PGlite embedded): an event captured over HTTP goes through the Kafka topics and shows
 * up in the events API, and each consumer group committed its offsets.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { silentLogger } from '../../lib/observability/logger';
import { loadLocalConfig } from '../../lib/platform/config';
import { startLocalPlatform, type LocalPlatform } from '../../lib/platform/local-platform';
import { startMockKafka, type MockKafkaCluster } from '../support/kafka/mock-cluster';
import { readMskEvent } from '../support/kafka/msk-events';

let cluster: MockKafkaCluster;
let platform: LocalPlatform;
let kafka: Kafka;
let dataDir: string;

const TOPICS = { 'hedgerow-events': 4, 'hedgerow-events-processed': 4, 'hedgerow-recordings': 2 };

/** Every message value of a topic, as text. */
async function readTopic(topic: string): Promise<string[]> {
  const event = await readMskEvent(kafka, topic);
  return Object.values(event.records).flat().map((r) => Buffer.from(r.value, 'base64').toString());
}

beforeAll(async () => {
  cluster = await startMockKafka(TOPICS);
  kafka = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-kafka-'));
  const config = loadLocalConfig(['--port', '0', '--data-dir', dataDir], { KAFKA_BROKERS: cluster.brokers.join(',') });
  platform = await startLocalPlatform(config, silentLogger);
}, 90_000);

afterAll(async () => {
  await platform?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  await cluster?.stop();
});

it('captures an event through Kafka into the events API', async () => {
  const uuid = randomUUID();
  const capture = await fetch(`${platform.url}/batch/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: platform.team.apiToken, batch: [{ uuid, event: 'via-kafka', distinct_id: 'kafka-user', properties: { plan: 'pro' } }] }),
  });
  expect(capture.status).toBe(200);
  await platform.flush();

  const res = await fetch(`${platform.url}/api/projects/@current/events/?event=via-kafka`, { headers: { authorization: `Bearer ${platform.personalApiKey}` } });
  const body = (await res.json()) as { results: { id: string; event: string; distinct_id: string; properties: Record<string, unknown> }[] };
  expect(body.results).toHaveLength(1);
  expect(body.results[0]).toMatchObject({ id: uuid, event: 'via-kafka', distinct_id: 'kafka-user', properties: { plan: 'pro' } });

  // The event travelled on the topics, not on a local log.
  expect((await readTopic('hedgerow-events')).some((text) => text.includes(uuid))).toBe(true);
  expect((await readTopic('hedgerow-events-processed')).some((text) => text.includes(uuid))).toBe(true);
  expect(fs.existsSync(path.join(dataDir, 'bus'))).toBe(false);

  const health = (await (await fetch(`${platform.url}/_health`)).json()) as { consumers: Record<string, Record<string, number>> };
  expect(Object.keys(health.consumers).sort()).toEqual(['clickhouse-loader', 'ingestion-consumer', 'replay-consumer']);
  expect(health.consumers['ingestion-consumer']).toMatchObject({ running: 1, lag_records: 0 });

  // The ingestion consumer's group committed the partition that carried the event past it.
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId: 'hedgerow-ingestion-consumer', topics: ['hedgerow-events'] });
  await admin.disconnect();
  expect(offsets.partitions.filter((p) => Number(p.offset) > 0)).toHaveLength(1);
}, 90_000);
