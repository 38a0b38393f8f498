/** The Kafka poller of the local platform, against a Kafka cluster over TCP (librdkafka's mock cluster) with the real kafkajs client. */
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '../../../lib/adapters/kafka/kafka-bus';
import { KafkaPoller, type KafkaPollerOptions } from '../../../lib/adapters/kafka/kafka-poller';
import type { DeadLetter, DeadLetterStore } from '../../../lib/dead-letters/dead-letter-store';
import { silentLogger } from '../../../lib/observability/logger';
import { decodeRecord, type BatchHandler, type StreamBatch } from '../../../lib/ports/bus';
import { startMockKafka, type MockKafkaCluster } from '../../support/kafka/mock-cluster';

let cluster: MockKafkaCluster;
let kafka: Kafka;

beforeAll(async () => {
  cluster = await startMockKafka({ ordered: 3, poison: 2, stopping: 1 });
  kafka = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING });
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

function memoryDeadLetters(): DeadLetterStore & { letters: DeadLetter[] } {
  const letters: DeadLetter[] = [];
  return { letters, write: async (l) => void letters.push(l), list: async () => letters };
}

async function put(topic: string, records: { key: string; text: string }[]): Promise<void> {
  const bus = new KafkaBus({ kafka, topics: { events: topic } });
  await bus.put('events', records.map((r) => ({ partitionKey: r.key, data: Buffer.from(r.text) })));
  await bus.close();
}

/** A poller run until its group has committed everything in the topic, then stopped. */
async function pollToEnd(topic: string, handler: BatchHandler, extra: Partial<KafkaPollerOptions> = {}): Promise<void> {
  const poller = new KafkaPoller({ kafka, topic, name: 'test-consumer', stream: 'events', handler, deadLetters: memoryDeadLetters(), logger: silentLogger, retryDelayMs: 1, ...extra });
  poller.start();
  await poller.drain(20_000);
  await poller.stop();
}

const texts = (batch: StreamBatch) => batch.Records.map((r) => decodeRecord(r).toString());

it('delivers each key in order in Kinesis-shaped batches of at most batchSize, commits, and a restart goes on from the commit', async () => {
  const keys = ['a', 'b', 'c', 'd', 'e'];
  await put('ordered', Array.from({ length: 30 }, (_, i) => ({ key: keys[i % 5], text: `${keys[i % 5]}-${i}` })));

  const seen: string[] = [];
  const batches: StreamBatch[] = [];
  const handler: BatchHandler = async (batch) => {
    batches.push(batch);
    seen.push(...texts(batch));
    return { batchItemFailures: [] };
  };
  await pollToEnd('ordered', handler, { batchSize: 4 });

  expect(seen.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `${keys[i % 5]}-${i}`).sort());
  expect(Math.max(...batches.map((b) => b.Records.length))).toBeLessThanOrEqual(4);
  for (const batch of batches) {
    const partitions = new Set(batch.Records.map((r) => r.eventID.split(':')[0]));
    expect(partitions.size).toBe(1);
    for (const r of batch.Records) expect(r.kinesis.partitionKey).toBe(decodeRecord(r).toString().split('-')[0]);
  }
  const inOrder = (key: string) => {
    const mine = batches.flatMap(texts).filter((t) => t.startsWith(`${key}-`)).map((t) => Number(t.split('-')[1]));
    return mine.every((n, i) => i === 0 || n > mine[i - 1]);
  };
  expect(keys.every(inOrder)).toBe(true);

  // New records only: the group's committed offsets hold across a restart.
  await put('ordered', [{ key: 'a', text: 'a-late' }]);
  const again: string[] = [];
  await pollToEnd('ordered', async (batch) => {
    again.push(...texts(batch));
    return { batchItemFailures: [] };
  });
  expect(again).toEqual(['a-late']);
}, 90_000);

it('retries a failing record, then dead-letters it and delivers the rest of its partition', async () => {
  await put('poison', ['one', 'two', 'bad', 'three'].map((text) => ({ key: 'same-key', text })));
  const delivered: string[] = [];
  const dlq = memoryDeadLetters();
  const handler: BatchHandler = async (batch) => {
    const failed = batch.Records.find((r) => decodeRecord(r).toString() === 'bad');
    const done = failed ? batch.Records.slice(0, batch.Records.indexOf(failed)) : batch.Records;
    delivered.push(...done.map((r) => decodeRecord(r).toString()));
    return { batchItemFailures: failed ? [{ itemIdentifier: failed.kinesis.sequenceNumber }] : [] };
  };
  await pollToEnd('poison', handler, { deadLetters: dlq, maxRetries: 2, name: 'poison-consumer' });

  expect(delivered).toEqual(['one', 'two', 'three']);
  expect(dlq.letters).toHaveLength(1);
  expect(dlq.letters[0]).toMatchObject({ source: 'poison-consumer', reason: 'retries_exhausted', partitionKey: 'same-key', sequenceNumber: '2', attempts: 3 });
  expect(Buffer.from(dlq.letters[0].data, 'base64').toString()).toBe('bad');
}, 90_000);

it('commits the batch in flight when stopped: a restart does not deliver it again', async () => {
  await put('stopping', [{ key: 'k', text: 'in-flight' }]);
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const handler: BatchHandler = async () => {
    entered();
    await released;
    return { batchItemFailures: [] };
  };
  const poller = new KafkaPoller({ kafka, topic: 'stopping', name: 'stopping-consumer', stream: 'events', handler, deadLetters: memoryDeadLetters(), logger: silentLogger });
  poller.start();
  await inHandler;
  const stopped = poller.stop();
  // The handler finishes while the poller is stopping.
  setTimeout(release, 200);
  await stopped;

  const admin = kafka.admin();
  await admin.connect();
  const [committed] = await admin.fetchOffsets({ groupId: 'hedgerow-stopping-consumer', topics: ['stopping'] });
  await admin.disconnect();
  expect(committed.partitions.map((p) => p.offset)).toEqual(['1']);
}, 30_000);

it('keeps trying to join while no broker answers, reports it is not running, and still stops promptly', async () => {
  const nowhere = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, connectionTimeout: 500 });
  const poller = new KafkaPoller({ kafka: nowhere, topic: 'ordered', name: 'nowhere', stream: 'events', handler: async () => ({ batchItemFailures: [] }), deadLetters: memoryDeadLetters(), logger: silentLogger });
  poller.start();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(poller.health()).toMatchObject({ running: 0 });
  const stoppingAt = Date.now();
  await poller.stop();
  expect(Date.now() - stoppingAt).toBeLessThan(10_000);
}, 30_000);
