/**
 * The message bus: Kinesis Data Streams (or MSK) on AWS, a durable on-disk log locally.
 * Producers put records keyed by a partition key; consumers receive batches in the
 * Kinesis event shape and answer with the records that failed (ReportBatchItemFailures).
 */

/** Logical stream names. Each deployment maps them to real stream names. */
export const STREAMS = {
  events: 'events',
  eventsProcessed: 'events_processed',
  recordings: 'recordings',
} as const;
export type StreamName = (typeof STREAMS)[keyof typeof STREAMS];

export interface BusRecord {
  /** Records with the same partition key land on the same shard, in order. */
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

export interface EventBus {
  /**
   * Writes records durably. Resolves only when every record is stored; rejects
   * (with `BusUnavailableError`) when some could not be stored after retries.
   */
  put(stream: StreamName, records: readonly BusRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** Largest record payload a bus accepts (Kinesis: 1 MiB including the partition key). */
export const MAX_RECORD_BYTES = 1_000_000;

/** One record as a consumer sees it: the Kinesis Lambda event record shape. */
export interface StreamRecord {
  readonly eventSource: string;
  readonly eventID: string;
  readonly eventSourceARN?: string;
  readonly kinesis: {
    /** base64 of the record bytes */
    readonly data: string;
    readonly partitionKey: string;
    readonly sequenceNumber: string;
    readonly approximateArrivalTimestamp: number;
  };
}

export interface StreamBatch {
  readonly Records: readonly StreamRecord[];
}

export interface BatchItemFailure {
  readonly itemIdentifier: string;
}

export interface BatchResult {
  readonly batchItemFailures: BatchItemFailure[];
}

/** A stream consumer: the same function serves a Lambda event-source mapping and the local log. */
export type BatchHandler = (batch: StreamBatch) => Promise<BatchResult>;

export class BusUnavailableError extends Error {
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = 'BusUnavailableError';
  }
}

/** A record the bus refuses before anything is sent: it can never fit in one record of the bus. */
export class RecordTooLargeError extends RangeError {
  constructor(message: string, readonly index: number) {
    super(message);
    this.name = 'RecordTooLargeError';
  }
}

/** A record's size as a bus counts it: its data and its partition key. */
export function recordSize(data: Uint8Array, partitionKey: string): number {
  return data.byteLength + Buffer.byteLength(partitionKey);
}

/** Throws RecordTooLargeError for the `index`-th record of a put if it is over MAX_RECORD_BYTES. */
export function checkRecordSize(record: BusRecord, index: number): void {
  const size = recordSize(record.data, record.partitionKey);
  if (size > MAX_RECORD_BYTES) {
    throw new RecordTooLargeError(`Record ${index} is ${size} bytes with its partition key; the bus accepts at most ${MAX_RECORD_BYTES}.`, index);
  }
}

/**
 * The local log hands records over with their bytes attached under this symbol and computes the
 * base64 `data` only if something reads it; Kinesis events only have `data`.
 */
export const RAW_DATA = Symbol('hedgerow.rawData');

/** The bytes of a record, whichever way it arrived. */
export function decodeRecord(record: StreamRecord): Buffer {
  const raw = (record.kinesis as { [RAW_DATA]?: Buffer })[RAW_DATA];
  return raw ?? Buffer.from(record.kinesis.data, 'base64');
}
