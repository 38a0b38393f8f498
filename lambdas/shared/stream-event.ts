import type { KinesisStreamBatchResponse, KinesisStreamEvent, MSKEvent, MSKRecord } from 'aws-lambda';
import type { BatchHandler, StreamBatch, StreamRecord } from '../../lib/ports/bus';

/** What a stream consumer's event-source mapping delivers: Kinesis (the default bus) or MSK (`-c bus=msk`). */
export type StreamEvent = KinesisStreamEvent | MSKEvent;

/** A Kafka partial batch response names a failed record by its topic-partition and offset. */
export interface KafkaBatchResponse {
  batchItemFailures: { itemIdentifier: { 'topic-partition': string; offset: number } }[];
}

/**
 * Runs a consumer's handler on a Kinesis or an MSK event. An MSK event holds records of several
 * partitions (`records`, keyed `<topic>-<partition>`); each partition goes to the handler as one
 * Kinesis-shaped batch, in order, as a Kinesis shard's records do: the partition key is the
 * message key, the sequence number the offset. The failures the handler reports come back as
 * Kafka's partial batch response, every one named (the handlers report each failed record), which
 * is right whether Lambda resumes a partition from its lowest failed offset or retries only the
 * records named. A handler that throws fails the invocation, as on Kinesis: Lambda retries the
 * batch, splitting it on error, and the partitions already handled are delivered again, which the
 * idempotent handlers absorb.
 */
export async function handleStreamEvent(event: StreamEvent, handler: BatchHandler): Promise<KinesisStreamBatchResponse | KafkaBatchResponse> {
  if (!isMskEvent(event)) return handler(event);
  const failures: KafkaBatchResponse['batchItemFailures'] = [];
  for (const [topicPartition, records] of Object.entries(event.records)) {
    if (records.length === 0) continue;
    const result = await handler(kafkaBatch(topicPartition, records, event.eventSourceArn));
    for (const { itemIdentifier } of result.batchItemFailures) failures.push({ itemIdentifier: { 'topic-partition': topicPartition, offset: Number(itemIdentifier) } });
  }
  return { batchItemFailures: failures };
}

function isMskEvent(event: StreamEvent): event is MSKEvent {
  return (event as MSKEvent).eventSource === 'aws:kafka';
}

/** One partition's records as a Kinesis event. */
export function kafkaBatch(topicPartition: string, records: readonly MSKRecord[], eventSourceArn: string): StreamBatch {
  return {
    Records: records.map(
      (r): StreamRecord => ({
        eventSource: 'aws:kafka',
        eventID: `${topicPartition}:${r.offset}`,
        eventSourceARN: eventSourceArn,
        kinesis: {
          data: r.value,
          partitionKey: Buffer.from(r.key ?? '', 'base64').toString('utf8'),
          sequenceNumber: String(r.offset),
          approximateArrivalTimestamp: r.timestamp / 1000,
        },
      }),
    ),
  };
}
