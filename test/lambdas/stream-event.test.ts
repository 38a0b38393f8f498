import type { MSKRecord } from 'aws-lambda';
import { decodeRecord, type BatchHandler, type StreamBatch } from '../../lib/ports/bus';
import { handleStreamEvent } from '../../lambdas/shared/stream-event';
import { mskEvent } from '../support/lambda-events';

/** The consumers' events: Kinesis as it is, MSK (the documented `aws:kafka` event) one partition at a time. */
const b64 = (text: string) => Buffer.from(text).toString('base64');

function mskRecord(topic: string, partition: number, offset: number, key: string, value: string): MSKRecord {
  return { topic, partition, offset, timestamp: 1_700_000_000_000 + offset, timestampType: 'CREATE_TIME', key: b64(key), value: b64(value), headers: [] };
}

it('hands each partition to the handler as a Kinesis-shaped batch, in offset order', async () => {
  const batches: StreamBatch[] = [];
  const handler: BatchHandler = async (batch) => {
    batches.push(batch);
    return { batchItemFailures: [] };
  };
  const event = mskEvent([
    mskRecord('events', 0, 7, 'phc_a:u1', 'first'),
    mskRecord('events', 0, 8, 'phc_a:u1', 'second'),
    mskRecord('events', 3, 41, 'phc_a:u2', 'other'),
  ]);
  expect(await handleStreamEvent(event, handler)).toEqual({ batchItemFailures: [] });

  expect(batches).toHaveLength(2);
  expect(batches[0].Records.map((r) => [r.eventID, r.kinesis.partitionKey, r.kinesis.sequenceNumber, decodeRecord(r).toString()])).toEqual([
    ['events-0:7', 'phc_a:u1', '7', 'first'],
    ['events-0:8', 'phc_a:u1', '8', 'second'],
  ]);
  expect(batches[1].Records[0]).toMatchObject({ eventID: 'events-3:41', eventSourceARN: event.eventSourceArn, kinesis: { partitionKey: 'phc_a:u2', approximateArrivalTimestamp: 1_700_000_000.041 } });
});

it("answers failures with Kafka's partial batch response: topic-partition and offset; a handler that throws fails the invocation", async () => {
  const handler: BatchHandler = async (batch) => {
    const texts = batch.Records.map((r) => decodeRecord(r).toString());
    if (texts.includes('explode')) throw new Error('boom');
    return { batchItemFailures: batch.Records.filter((r) => decodeRecord(r).toString() === 'bad').map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
  };
  const event = mskEvent([
    mskRecord('events', 0, 10, 'k', 'ok'),
    mskRecord('events', 0, 11, 'k', 'bad'),
    mskRecord('events', 0, 12, 'k', 'bad'),
    mskRecord('events', 1, 5, 'j', 'ok'),
  ]);
  expect(await handleStreamEvent(event, handler)).toEqual({
    batchItemFailures: [{ itemIdentifier: { 'topic-partition': 'events-0', offset: 11 } }, { itemIdentifier: { 'topic-partition': 'events-0', offset: 12 } }],
  });
  // As on Kinesis: Lambda retries the whole batch (and splits it, to find the record that throws).
  const throwing = mskEvent([mskRecord('events', 1, 5, 'j', 'ok'), mskRecord('events', 2, 91, 'i', 'explode')]);
  await expect(handleStreamEvent(throwing, handler)).rejects.toThrow('boom');
});

it('passes a Kinesis event through unchanged', async () => {
  const event = { Records: [{ eventSource: 'aws:kinesis', eventID: 'shardId-0:1', kinesis: { data: b64('x'), partitionKey: 'k', sequenceNumber: '1', approximateArrivalTimestamp: 1 } }] };
  const handler: BatchHandler = async (batch) => ({ batchItemFailures: [{ itemIdentifier: batch.Records[0].kinesis.sequenceNumber }] });
  expect(await handleStreamEvent(event as never, handler)).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }] });
});
