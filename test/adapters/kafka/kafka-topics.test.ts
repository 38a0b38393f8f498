import type { Admin } from 'kafkajs';
import { TOPIC_MAX_MESSAGE_BYTES, ensureTopics } from '../../../lib/adapters/kafka/kafka-topics';
import { handler } from '../../../lambdas/kafka-topics';
import { startMockKafka } from '../../support/kafka/mock-cluster';
import { customResourceEvent } from '../../support/lambda-events';

/**
 * Topic creation for MSK Serverless. The mock cluster the other Kafka tests use has no
 * CreateTopics (librdkafka's mock creates topics only through its own API), so `ensureTopics` is
 * checked here against an admin that records its calls; on MSK it is the custom resource's work.
 */
function recordingAdmin(existing: string[]): Pick<Admin, 'listTopics' | 'createTopics'> & { created: Parameters<Admin['createTopics']>[0][] } {
  const created: Parameters<Admin['createTopics']>[0][] = [];
  return {
    created,
    listTopics: async () => existing,
    createTopics: async (options) => {
      created.push(options);
      return true;
    },
  };
}

const TOPICS = [
  { name: 'hedgerow-events', partitions: 8 },
  { name: 'hedgerow-events-processed', partitions: 8 },
  { name: 'hedgerow-recordings', partitions: 2 },
];

it('creates only the missing topics, with their partitions and an 8 MiB message ceiling', async () => {
  const admin = recordingAdmin(['hedgerow-events', '__consumer_offsets']);
  expect(await ensureTopics(admin, TOPICS)).toEqual(['hedgerow-events-processed', 'hedgerow-recordings']);
  expect(admin.created).toEqual([
    {
      waitForLeaders: true,
      topics: [
        { topic: 'hedgerow-events-processed', numPartitions: 8, configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }] },
        { topic: 'hedgerow-recordings', numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }] },
      ],
    },
  ]);
});

it('changes nothing when every topic exists (an Update of the stack)', async () => {
  const admin = recordingAdmin(TOPICS.map((t) => t.name));
  expect(await ensureTopics(admin, TOPICS)).toEqual([]);
  expect(admin.created).toEqual([]);
});

describe('kafka-topics custom resource handler', () => {
  it('leaves the topics alone on Delete', async () => {
    expect(await handler({ ...customResourceEvent('Delete'), PhysicalResourceId: 'hedgerow-kafka-topics' } as never)).toEqual({ PhysicalResourceId: 'hedgerow-kafka-topics', Data: {} });
  });

  it('refuses topics it cannot read before it connects anywhere', async () => {
    const event = customResourceEvent('Create', {});
    await expect(handler({ ...event, ResourceProperties: { ...event.ResourceProperties, Topics: [{ TopicName: 'x', PartitionCount: '0' }] } } as never)).rejects.toThrow(/invalid topic/);
    await expect(handler(event)).rejects.toThrow(/must list the topics/);
  });

  it('connects to the brokers and finds the topics there on an Update (a Kafka cluster over TCP)', async () => {
    const cluster = await startMockKafka(Object.fromEntries(TOPICS.map((t) => [t.name, t.partitions])));
    const saved = { ...process.env };
    Object.assign(process.env, { HEDGEROW_KAFKA_BROKERS: cluster.brokers.join(','), HEDGEROW_KAFKA_AUTH: 'none' });
    try {
      const event = customResourceEvent('Update');
      const topics = TOPICS.map((t) => ({ TopicName: t.name, PartitionCount: String(t.partitions) }));
      const result = await handler({ ...event, ResourceProperties: { ...event.ResourceProperties, Topics: topics } } as never);
      expect(result).toEqual({ PhysicalResourceId: 'hedgerow-migrations', Data: { created: '' } });
    } finally {
      process.env = saved;
      await cluster.stop();
    }
  }, 30_000);
});
