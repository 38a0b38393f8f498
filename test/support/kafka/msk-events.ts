import { randomUUID } from 'node:crypto';
import type { MSKEvent, MSKRecord } from 'aws-lambda';
import type { Kafka } from 'kafkajs';
import { mskEvent } from '../lambda-events';

/** Every record of a topic so far, as the MSK event a Lambda event-source mapping would deliver. */
export async function readMskEvent(kafka: Kafka, topic: string): Promise<MSKEvent> {
  const admin = kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  await admin.disconnect();
  const records: MSKRecord[] = [];
  if (total > 0) {
    const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.push({
            topic,
            partition,
            offset: Number(message.offset),
            timestamp: Number(message.timestamp),
            timestampType: 'CREATE_TIME',
            key: (message.key ?? Buffer.alloc(0)).toString('base64'),
            value: (message.value ?? Buffer.alloc(0)).toString('base64'),
            headers: [],
          });
          if (records.length >= total) resolve();
        },
      }).catch(reject);
    });
    await consumer.disconnect();
  }
  records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  return mskEvent(records);
}
