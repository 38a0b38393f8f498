import {
  KinesisClient,
  PutRecordsCommand,
  type KinesisClientConfig,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { silentLogger, type Logger } from '../../observability/logger';
import { BusUnavailableError, RecordTooLargeError, checkRecordSize, recordSize, type BusRecord, type EventBus, type StreamName } from '../../ports/bus';
import { splitBySize } from '../split-by-size';
import { backoffDelay, sleep, type BackoffOptions } from './backoff';

/** Kinesis limits for one PutRecords call. */
export const PUT_RECORDS_MAX_RECORDS = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
/** Kinesis counts partition keys in Unicode code points. */
export const MAX_PARTITION_KEY_LENGTH = 256;

export interface KinesisBusOptions {
  /** Real stream name, or stream ARN, per logical stream. */
  readonly streams: Readonly<Partial<Record<StreamName, string>>>;
  /** An injected client stays the caller's to destroy; without one the bus creates and owns its own. */
  readonly client?: KinesisClient;
  /** PutRecords attempts per chunk, the first one included. @default 6 */
  readonly maxAttempts?: number;
  /** Delays between attempts. @default { baseDelayMs: 50, maxDelayMs: 2000 } */
  readonly backoff?: BackoffOptions;
  readonly logger?: Logger;
}

/** Call-level errors that another attempt cannot fix. */
const PERMANENT_ERRORS = new Set([
  'ResourceNotFoundException',
  'ValidationException',
  'InvalidArgumentException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
]);

/**
 * The bus on Kinesis Data Streams. `put` validates every record first, sends them in
 * PutRecords calls of at most 500 records and 5 MiB, and re-sends only the records that a
 * call reports as failed (ErrorCode), with jittered exponential backoff, until all are stored
 * or the attempts run out (BusUnavailableError). Chunks are sent one after the other so that
 * records of one partition key keep their order when nothing fails.
 */
export class KinesisBus implements EventBus {
  private readonly client: KinesisClient;
  private readonly ownsClient: boolean;
  private readonly maxAttempts: number;
  private readonly logger: Logger;

  constructor(private readonly options: KinesisBusOptions) {
    this.client = options.client ?? createKinesisClient();
    this.ownsClient = !options.client;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 6);
    this.logger = options.logger ?? silentLogger;
  }

  async put(stream: StreamName, records: readonly BusRecord[]): Promise<void> {
    const target = this.options.streams[stream];
    if (!target) throw new BusUnavailableError(`No Kinesis stream is configured for "${stream}".`);
    const entries = records.map(toEntry);
    for (const chunk of chunkEntries(entries)) await this.putChunk(stream, target, chunk);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private async putChunk(stream: StreamName, target: string, chunk: PutRecordsRequestEntry[]): Promise<void> {
    const address = target.startsWith('arn:') ? { StreamARN: target } : { StreamName: target };
    let pending = chunk;
    let lastFailure = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await sleep(backoffDelay(attempt - 1, this.options.backoff));
      let results: PutRecordsResultEntry[];
      try {
        const output = await this.client.send(new PutRecordsCommand({ ...address, Records: pending }));
        results = output.Records ?? [];
        if (!output.FailedRecordCount) return;
      } catch (error) {
        const name = (error as Error).name;
        if (PERMANENT_ERRORS.has(name)) {
          throw new BusUnavailableError(`PutRecords to ${stream} failed: ${name}: ${(error as Error).message}`, error);
        }
        lastFailure = `${name}: ${(error as Error).message}`;
        this.logger.warn('kinesis put failed, retrying', { stream, records: pending.length, attempt, error: lastFailure });
        continue;
      }
      const failed = pending.filter((_, i) => results[i]?.ErrorCode !== undefined || results[i]?.SequenceNumber === undefined);
      if (failed.length === 0) return;
      const codes = countCodes(results);
      lastFailure = Object.entries(codes).map(([code, n]) => `${n}× ${code}`).join(', ');
      this.logger.warn('kinesis records failed, retrying them', { stream, failed: failed.length, of: pending.length, attempt, codes });
      pending = failed;
    }
    throw new BusUnavailableError(
      `${pending.length} of ${chunk.length} records to ${stream} were not stored after ${this.maxAttempts} attempts (${lastFailure}).`,
    );
  }
}

/** A Kinesis client over HTTP/1.1 keep-alive (kinesalite speaks no HTTP/2; AWS accepts both). */
export function createKinesisClient(config: KinesisClientConfig = {}): KinesisClient {
  return new KinesisClient({ requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10_000 }), ...config });
}

function toEntry(record: BusRecord, index: number): PutRecordsRequestEntry {
  const keyLength = [...record.partitionKey].length;
  if (keyLength === 0 || keyLength > MAX_PARTITION_KEY_LENGTH) {
    throw new RecordTooLargeError(`Record ${index}: the partition key must have 1 to ${MAX_PARTITION_KEY_LENGTH} characters, not ${keyLength}.`, index);
  }
  checkRecordSize(record, index);
  return { PartitionKey: record.partitionKey, Data: record.data };
}

/** Splits entries, in order, into PutRecords-sized chunks. */
export function chunkEntries(entries: readonly PutRecordsRequestEntry[]): PutRecordsRequestEntry[][] {
  return splitBySize(entries, (e) => recordSize(e.Data!, e.PartitionKey!), PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_RECORDS);
}

function countCodes(results: readonly PutRecordsResultEntry[]): Record<string, number> {
  const codes: Record<string, number> = {};
  for (const r of results) if (r.ErrorCode) codes[r.ErrorCode] = (codes[r.ErrorCode] ?? 0) + 1;
  return codes;
}
