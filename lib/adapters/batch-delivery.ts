/**
 * Delivery of one shard's records to a stream consumer with the semantics of a Lambda Kinesis
 * event-source mapping, shared by the local log's consumer and the Kinesis poller:
 * ReportBatchItemFailures (resume from the first failed record), bisect on error, bounded
 * retries with backoff, then the record goes to the dead-letter store and the shard moves on.
 */
import type { DeadLetterStore } from '../dead-letters/dead-letter-store';
import type { Logger } from '../observability/logger';
import { RAW_DATA, type BatchHandler, type StreamBatch, type StreamName } from '../ports/bus';
import { splitBySize } from './split-by-size';

/** A record as read from a shard, whatever the source. */
export interface DeliverableRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly arrivalMs: number;
}

export interface DeliveryPolicy {
  /** The consumer's name: the dead letters' source. */
  readonly name: string;
  readonly stream: StreamName;
  readonly handler: BatchHandler;
  readonly deadLetters: DeadLetterStore;
  readonly logger: Logger;
  /** Retries of a failing record before it goes to the dead-letter store. */
  readonly maxRetries: number;
  /** Split a batch whose handler threw, to isolate the bad record. */
  readonly bisectOnError: boolean;
  /** First retry delay; doubles per attempt, capped at 5 s. */
  readonly retryDelayMs: number;
}

/** A consumer's settings, as a Lambda event-source mapping has them: the log consumer's and the Kinesis poller's. */
export interface ConsumerOptions {
  /** The consumer's name: its checkpoints' key (two consumers with different names each see every record) and its dead letters' source. */
  readonly name: string;
  readonly stream: StreamName;
  readonly handler: BatchHandler;
  readonly deadLetters: DeadLetterStore;
  readonly logger: Logger;
  /** Records per batch. @default 100 */
  readonly batchSize?: number;
  /** Lambda's payload limit: batches hold at most this many bytes. @default 6 MiB */
  readonly maxBatchBytes?: number;
  /** Wait up to this long to fill a batch. @default 0 */
  readonly maxBatchingWindowMs?: number;
  /** Retries of a failing record before it goes to the dead-letter store. @default 3 */
  readonly maxRetries?: number;
  /** Split a batch whose handler threw, to isolate the bad record. @default true */
  readonly bisectOnError?: boolean;
  /** First retry delay; doubles per attempt, capped at 5 s. @default 100 */
  readonly retryDelayMs?: number;
}

/** A Lambda event-source mapping's defaults, for the consumer options left out. */
export const CONSUMER_DEFAULTS = {
  batchSize: 100,
  maxBatchBytes: 6 * 1024 * 1024,
  maxBatchingWindowMs: 0,
  maxRetries: 3,
  bisectOnError: true,
  retryDelayMs: 100,
} as const satisfies Partial<ConsumerOptions>;

/** What the delivery needs from the shard reader that owns the records. */
export interface ShardDelivery<R extends DeliverableRecord> {
  readonly shardId: string;
  readonly eventSourceARN: string;
  /** Every record up to and including `record` is done (handled or dead-lettered): checkpoint it. */
  acknowledge(record: R): Promise<void> | void;
  isStopped(): boolean;
  /** Waits between retries; resolves early when the reader stops. */
  pause(ms: number): Promise<void>;
}

const MAX_RETRY_DELAY_MS = 5000;

/**
 * Delivers `records` (in shard order) until each one is handled or dead-lettered, or the reader
 * stops; then the records past the last acknowledged one are the reader's to deliver again.
 * A batch is retried whole from its first failed record, so the handler must be idempotent.
 */
export async function deliverRecords<R extends DeliverableRecord>(records: readonly R[], policy: DeliveryPolicy, shard: ShardDelivery<R>): Promise<void> {
  let pending = records;
  let size = pending.length;
  let attempts = 0;
  while (pending.length > 0 && !shard.isStopped()) {
    const batch = pending.slice(0, size);
    const { failedIndex, thrown, error } = await attempt(batch, policy, shard);
    if (failedIndex !== 0) {
      const done = failedIndex < 0 ? batch.length : failedIndex;
      await shard.acknowledge(batch[done - 1]);
      pending = pending.slice(done);
      size = pending.length;
      attempts = 0;
      continue;
    }
    if (thrown && policy.bisectOnError && batch.length > 1) {
      size = Math.ceil(batch.length / 2);
      continue;
    }
    attempts++;
    if (attempts > policy.maxRetries) {
      await deadLetter(batch[0], attempts, error, policy);
      await shard.acknowledge(batch[0]);
      pending = pending.slice(1);
      size = pending.length;
      attempts = 0;
      continue;
    }
    policy.logger.warn('batch failed; retrying', { consumer: policy.name, shard: shard.shardId, attempts, error: describeError(error) });
    await shard.pause(Math.min(MAX_RETRY_DELAY_MS, policy.retryDelayMs * 2 ** (attempts - 1)));
  }
}

async function attempt<R extends DeliverableRecord>(
  records: readonly R[],
  policy: DeliveryPolicy,
  shard: ShardDelivery<R>,
): Promise<{ failedIndex: number; thrown: boolean; error?: unknown }> {
  try {
    const result = await policy.handler(toStreamBatch(records, shard.shardId, shard.eventSourceARN));
    if (result.batchItemFailures.length === 0) return { failedIndex: -1, thrown: false };
    const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
    const index = records.findIndex((r) => failed.has(r.sequenceNumber));
    // An identifier that is not in the batch fails the whole batch, as on Lambda.
    return { failedIndex: index < 0 ? 0 : index, thrown: false, error: 'reported as failed by the handler' };
  } catch (error) {
    return { failedIndex: 0, thrown: true, error };
  }
}

async function deadLetter(record: DeliverableRecord, attempts: number, error: unknown, policy: DeliveryPolicy): Promise<void> {
  policy.logger.error('record sent to the dead-letter store', {
    consumer: policy.name,
    sequenceNumber: record.sequenceNumber,
    attempts,
    error: describeError(error),
  });
  await policy.deadLetters.write({
    source: policy.name,
    reason: 'retries_exhausted',
    error: describeError(error),
    partitionKey: record.partitionKey,
    sequenceNumber: record.sequenceNumber,
    data: record.data.toString('base64'),
    attempts,
    time: new Date().toISOString(),
  });
}

/** Splits records, in order, into runs of at most `maxBytes` of data (a bigger record goes alone) and, if given, `maxRecords` records. */
export function splitByBytes<R extends DeliverableRecord>(records: readonly R[], maxBytes: number, maxRecords?: number): R[][] {
  return splitBySize(records, (r) => r.data.length, maxBytes, maxRecords);
}

/** The Kinesis Lambda event for `records`; the base64 `data` is computed only if something reads it. */
export function toStreamBatch(records: readonly DeliverableRecord[], shardId: string, eventSourceARN: string): StreamBatch {
  return {
    Records: records.map((r) => ({
      eventSource: 'aws:kinesis' as const,
      eventID: `${shardId}:${r.sequenceNumber}`,
      eventSourceARN,
      kinesis: {
        get data() {
          return r.data.toString('base64');
        },
        [RAW_DATA]: r.data,
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        approximateArrivalTimestamp: r.arrivalMs / 1000,
      },
    })),
  };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
