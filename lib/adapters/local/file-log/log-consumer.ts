import { CONSUMER_DEFAULTS, deliverRecords, type ConsumerOptions, type DeliverableRecord, type ShardDelivery } from '../../batch-delivery';
import type { FileLog } from './file-log';
import type { StoredRecord } from './record-codec';

export type LogConsumerOptions = ConsumerOptions;

/**
 * Runs a consumer over the local log with the semantics of a Lambda Kinesis event-source
 * mapping (one batch at a time per shard; failures, bisection, retries and dead letters as in
 * lib/adapters/batch-delivery.ts). The checkpoint is written after each batch, so a crash
 * redelivers at most the batch in flight.
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
      ...CONSUMER_DEFAULTS,
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
    await this.log.flushCheckpoints();
  }

  /** What the health check reports for this consumer. */
  health(): { lag_bytes: number } {
    return { lag_bytes: this.lag() };
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
    const { stream, batchSize, maxBatchBytes, maxBatchingWindowMs } = this.options;
    const shard = this.log.shardsOf(stream)[index];
    const delivery: ShardDelivery<StoredRecord & DeliverableRecord> = {
      shardId: `shardId-${String(index).padStart(12, '0')}`,
      eventSourceARN: `local:stream/${stream}`,
      acknowledge: (record) => this.advance(index, record.nextOffset),
      isStopped: () => this.stopped,
      pause: (ms) => this.waitForStop(ms),
    };
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
      const records = shard.read(offset, batchSize, maxBatchBytes);
      if (records.length === 0) {
        await this.waitForAppend(1000);
        continue;
      }
      pendingSince = 0;
      await deliverRecords(
        records.map((r) => ({ ...r, sequenceNumber: sequenceNumber(r.offset) })),
        this.options,
        delivery,
      );
      if (++batches % 100 === 0) this.log.compact(stream);
    }
  }

  private advance(shard: number, offset: number): void {
    this.positions[shard] = offset;
    this.log.writeCheckpoint(this.options.stream, this.options.name, shard, offset);
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
