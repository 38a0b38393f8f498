import type { Admin } from 'kafkajs';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

/**
 * The largest message a topic accepts: MSK Serverless's ceiling (8 MiB; its default is 1 MiB),
 * so that a produce request of PRODUCE_MAX_BYTES and its record overhead always fits.
 */
export const TOPIC_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * Creates the topics that do not exist yet (MSK Serverless creates none by itself and has no
 * CloudFormation resource for them), each with its partition count and the cluster's replication;
 * existing topics are left as they are. Returns the names created.
 */
export async function ensureTopics(admin: Pick<Admin, 'listTopics' | 'createTopics'>, topics: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.name));
  if (missing.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((t) => ({
      topic: t.name,
      numPartitions: t.partitions,
      configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }],
    })),
  });
  return missing.map((t) => t.name);
}
