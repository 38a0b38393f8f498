/**
 * The Kafka topics custom resource (`-c bus=msk`): on Create and Update it creates the bus's
 * topics that MSK does not have yet (`ResourceProperties.Topics`: `[{TopicName, PartitionCount}]`)
 * through the brokers in HEDGEROW_KAFKA_BROKERS, with IAM authentication; Delete leaves them to
 * the cluster, which is retained with its data.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createKafka } from '../../lib/adapters/kafka/kafka-client';
import { ensureTopics, type TopicSpec } from '../../lib/adapters/kafka/kafka-topics';
import { LambdaConfigError, busSpec } from '../shared/aws-config';
import { createLambdaLogger } from '../shared/lambda-logger';

const { logger } = createLambdaLogger('kafka-topics');

export async function handler(event: CloudFormationCustomResourceEvent): Promise<{ PhysicalResourceId: string; Data: Record<string, string> }> {
  const physicalId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : 'hedgerow-kafka-topics';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId, Data: {} };
  const topics = topicsOf(event.ResourceProperties.Topics);
  const spec = busSpec([]);
  if (spec.kind !== 'kafka') throw new LambdaConfigError('HEDGEROW_KAFKA_BROKERS');
  const admin = createKafka({ brokers: spec.brokers, iamRegion: spec.iamRegion, clientId: 'hedgerow-kafka-topics' }, logger).admin();
  await admin.connect();
  try {
    const created = await ensureTopics(admin, topics);
    logger.info('kafka topics ensured', { created, topics: topics.map((t) => t.name) });
    return { PhysicalResourceId: physicalId, Data: { created: created.join(',') } };
  } finally {
    await admin.disconnect();
  }
}

/** CloudFormation passes every property as a string: `PartitionCount` arrives as "2". */
function topicsOf(value: unknown): TopicSpec[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error('ResourceProperties.Topics must list the topics');
  return value.map((t: { TopicName?: unknown; PartitionCount?: unknown }) => {
    const partitions = Number(t.PartitionCount);
    if (typeof t.TopicName !== 'string' || !t.TopicName || !Number.isInteger(partitions) || partitions < 1) {
      throw new Error(`ResourceProperties.Topics: invalid topic ${JSON.stringify(t)}`);
    }
    return { name: t.TopicName, partitions };
  });
}
