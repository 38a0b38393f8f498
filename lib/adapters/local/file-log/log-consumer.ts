import type { DeadLetterStore } from '../../../dead-letters/dead-letter-store';
import type { Logger } from '../../../observability/logger';
import { RAW_DATA, type BatchHandler, type StreamBatch, type StreamName } from '../../../ports/bus';
import type { FileLog } from './file-log';
import type { StoredRecord } from './record-codec';

export interface LogConsumerOptions {
  /** Names the checkpoint; two consumers with different names each see every record. */
  readonly name: string;
  readonly stream: StreamName;
  readonly handler: BatchHandler;
  readonly deadLetters: DeadLetterStore;
  readonly logger: Logger;
  /** @default 100 */
  readonly batchSize?: number;
  /** Lambda's payload limit. @default 6 MiB */
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

/**
 * Runs a consumer over the local log with the semantics of a Lambda Kinesis event-source
 * mapping: one batch at a time per shard, ReportBatchItemFailures (resume from the first failed
 * record), bisect on error, bounded retries, then the record goes to the dead-letter store and
 * the shard moves on. The checkpoint is written after each batch, so a crash redelivers at most
 * the batch in flight.
 */
export class LogConsumer {
  private readonly options: Required<LogConsumerOptions>;
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly positions: number[] = [];
  private wake: (() => void)[] = [];
  private unsubscribe?: () => void;

  constructor(
    private readonly log: FileLog,
    options: LogConsumerOptions,
  ) {
    this.options = {
      batchSize: 100,
      maxBatchBytes: 6 * 1024 * 1024,
      maxBatchingWindowMs: 0,
      maxRetries: 3,
      bisectOnError: true,
      retryDelayMs: 100,
      ...options,
    };
  }

  get name(): string {
    return this.options.name;
  }

  start(): void {
    const { stream, name } = this.options;
    this.unsubscribe = this.log.onAppend(stream, () => this.notify());
    this.log.shardsOf(stream).forEach((_, i) => {
      this.positions[i] = this.log.readCheckpoint(stream, name, i);
      this.loops.push(this.runShard(i));
    });
  }

  /** Finishes the batches in flight, checkpoints and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.notify();
    await Promise.all(this.loops);
    this.unsubscribe?.();
  }

  /** Bytes appended to the stream that this consumer has not yet processed. */
  lag(): number {
    return this.log.shardsOf(this.options.stream).reduce((sum, shard, i) => sum + Math.max(0, shard.endOffset - (this.positions[i] ?? 0)), 0);
  }

  /** Resolves once everything appended before the call has been consumed. */
  async drain(timeoutMs = 30_000): Promise<void> {
    const shards = this.log.shardsOf(this.options.stream);
    const targets = shards.map((s) => s.endOffset);
    const deadline = Date.now() + timeoutMs;
    while (targets.some((t, i) => (this.positions[i] ?? 0) < t)) {
      if (Date.now() > deadline) throw new Error(`${this.options.name}: not drained after ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  private notify(): void {
    const waiters = this.wake;
    this.wake = [];
    for (const w of waiters) w();
  }

  private waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async runShard(index: number): Promise<void> {
    const { stream, name, batchSize, maxBatchBytes, maxBatchingWindowMs, maxRetries, bisectOnError } = this.options;
    const shard = this.log.shardsOf(stream)[index];
    let size = batchSize;
    let attempts = 0;
    let pendingSince = 0;
    let batches = 0;
    while (!this.stopped) {
      const offset = this.positions[index];
      const pending = shard.endOffset - offset;
      if (pending <= 0) {
        pendingSince = 0;
        await this.waitForAppend(1000);
        continue;
      }
      // Like a Lambda event-source mapping: wait up to the batching window unless the batch is full.
      if (maxBatchingWindowMs > 0 && pending < maxBatchBytes) {
        if (pendingSince === 0) pendingSince = Date.now();
        const left = pendingSince + maxBatchingWindowMs - Date.now();
        if (left > 0) {
          await this.waitForStop(left);
          continue;
        }
      }
      const records = shard.read(offset, size, maxBatchBytes);
      if (records.length === 0) {
        await this.waitForAppend(1000);
        continue;
      }
      pendingSince = 0;
      const { failedIndex, thrown, error } = await this.attempt(index, records);
      if (failedIndex < 0) {
        this.advance(index, records[records.length - 1].nextOffset);
        size = batchSize;
        attempts = 0;
        if (++batches % 100 === 0) this.log.compact(stream);
        continue;
      }
      if (failedIndex > 0) {
        this.advance(index, records[failedIndex].offset);
        attempts = 0;
        continue;
      }
      if (thrown && bisectOnError && records.length > 1) {
        size = Math.ceil(records.length / 2);
        continue;
      }
      attempts++;
      if (attempts > maxRetries) {
        await this.deadLetter(records[0], attempts, error);
        this.advance(index, records[0].nextOffset);
        attempts = 0;
        size = batchSize;
        continue;
      }
      this.options.logger.warn('batch failed; retrying', { consumer: name, shard: index, attempts, error: describe(error) });
      await this.waitForStop(Math.min(5000, this.options.retryDelayMs * 2 ** (attempts - 1)));
    }
  }

  private async attempt(shard: number, records: StoredRecord[]): Promise<{ failedIndex: number; thrown: boolean; error?: unknown }> {
    try {
      const result = await this.options.handler(toBatch(shard, this.options.stream, records));
      if (result.batchItemFailures.length === 0) return { failedIndex: -1, thrown: false };
      const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
      const index = records.findIndex((r) => failed.has(sequenceNumber(r.offset)));
      // An identifier that is not in the batch fails the whole batch, as on Lambda.
      return { failedIndex: index < 0 ? 0 : index, thrown: false, error: 'reported as failed by the handler' };
    } catch (error) {
      return { failedIndex: 0, thrown: true, error };
    }
  }

  private advance(shard: number, offset: number): void {
    this.positions[shard] = offset;
    this.log.writeCheckpoint(this.options.stream, this.options.name, shard, offset);
  }

  private async deadLetter(record: StoredRecord, attempts: number, error: unknown): Promise<void> {
    this.options.logger.error('record sent to the dead-letter store', {
      consumer: this.options.name,
      sequenceNumber: sequenceNumber(record.offset),
      attempts,
      error: describe(error),
    });
    await this.options.deadLetters.write({
      source: this.options.name,
      reason: 'retries_exhausted',
      error: describe(error),
      partitionKey: record.partitionKey,
      sequenceNumber: sequenceNumber(record.offset),
      data: record.data.toString('base64'),
      attempts,
      time: new Date().toISOString(),
    });
  }

  private waitForStop(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      const onWake = () => {
        if (!this.stopped) {
          this.wake.push(onWake);
          return;
        }
        clearTimeout(timer);
        resolve();
      };
      this.wake.push(onWake);
    });
  }
}

/** Sequence numbers are shard offsets, zero-padded so they also sort as strings. */
export function sequenceNumber(offset: number): string {
  return String(offset).padStart(20, '0');
}

function toBatch(shard: number, stream: StreamName, records: readonly StoredRecord[]): StreamBatch {
  const shardId = `shardId-${String(shard).padStart(12, '0')}`;
  return {
    Records: records.map((r) => ({
      eventSource: 'aws:kinesis' as const,
      eventID: `${shardId}:${sequenceNumber(r.offset)}`,
      eventSourceARN: `local:stream/${stream}`,
      kinesis: {
        get data() {
          return r.data.toString('base64');
        },
        [RAW_DATA]: r.data,
        partitionKey: r.partitionKey,
        sequenceNumber: sequenceNumber(r.offset),
        approximateArrivalTimestamp: r.arrivalMs / 1000,
      },
    })),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
