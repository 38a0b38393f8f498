import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetRecordsCommandOutput,
  type KinesisClient,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import { CONSUMER_DEFAULTS, deliverRecords, describeError, splitByBytes, type ConsumerOptions, type DeliverableRecord, type ShardDelivery } from '../batch-delivery';
import { Waker } from '../waker';
import { backoffDelay, sleep } from './backoff';
import type { ShardCheckpoints } from './kinesis-checkpoints';
import { listShards } from './kinesis-streams';

/** `batchSize` is also the records per GetRecords call (Kinesis allows up to 10,000); a bigger answer is handed over in batches of `maxBatchBytes`. */
export interface KinesisPollerOptions extends ConsumerOptions {
  readonly client: KinesisClient;
  /** The real stream name. */
  readonly streamName: string;
  /** The handler's `eventSourceARN`. @default the stream name */
  readonly streamArn?: string;
  readonly checkpoints: ShardCheckpoints;
  /** Pause after an empty GetRecords, doubling up to `max` while the shard stays idle (Kinesis allows 5 calls/s per shard). @default { min: 200, max: 1000 } */
  readonly idleDelayMs?: { readonly min: number; readonly max: number };
  /** How often ListShards looks for new shards (after a reshard). @default 10000 */
  readonly shardDiscoveryMs?: number;
}

interface ShardState {
  readonly id: string;
  loop?: Promise<void>;
  finished: boolean;
  /** Start time of the last GetRecords that found the shard empty, with nothing undelivered. */
  caughtUpAt: number;
  millisBehind: number;
  /** The last sequence number checkpointed. */
  position?: string;
}

interface Fetched {
  readonly records: DeliverableRecord[];
  readonly next?: string;
  readonly emptyAt?: number;
}

/**
 * A Kinesis consumer for a process that is not a Lambda (the local platform on a Kinesis
 * endpoint): one loop per shard reads with GetRecords from its checkpoint (else TRIM_HORIZON)
 * and hands each batch to the same handler and delivery rules as the event-source mapping on
 * AWS. A closed shard's children are read once the parent is finished, which keeps each
 * partition key in order across a reshard.
 */
export class KinesisPoller {
  private readonly options: Required<Omit<KinesisPollerOptions, 'streamArn'>> & { streamArn: string };
  private readonly shards = new Map<string, ShardState>();
  private stopped = false;
  /** When ListShards last completed, and when a shard last finished (its children are then due). */
  private discoveredAt = 0;
  private finishedAt = 0;
  private discovery?: Promise<void>;
  /** Wakes idle shard loops (a drain or a stop). */
  private readonly idle = new Waker();
  /** Wakes the shard discovery (a finished shard or a stop). */
  private readonly rediscover = new Waker();
  /** Wakes retry pauses (a stop only). */
  private readonly stopping = new Waker();

  constructor(options: KinesisPollerOptions) {
    this.options = {
      ...CONSUMER_DEFAULTS,
      idleDelayMs: { min: 200, max: 1000 },
      shardDiscoveryMs: 10_000,
      ...options,
      streamArn: options.streamArn ?? options.streamName,
    };
  }

  get name(): string {
    return this.options.name;
  }

  start(): void {
    this.discovery = this.discoverLoop();
  }

  /** Finishes the batches in flight (each checkpointed as it completes) and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const waker of [this.idle, this.rediscover, this.stopping]) waker.close();
    await this.discovery;
    await Promise.all([...this.shards.values()].map((s) => s.loop));
  }

  health(): { millis_behind_latest: number; shards: number } {
    const open = [...this.shards.values()].filter((s) => !s.finished);
    return { millis_behind_latest: Math.max(0, ...open.map((s) => s.millisBehind)), shards: open.length };
  }

  /** Resolves once every shard has been read to its end after the call and all it held delivered. */
  async drain(timeoutMs = 30_000): Promise<void> {
    const since = Date.now();
    const deadline = since + timeoutMs;
    let rounds = 0;
    for (;;) {
      const shards = [...this.shards.values()];
      const childrenKnown = this.discoveredAt > this.finishedAt;
      if (childrenKnown && shards.every((s) => s.finished || s.caughtUpAt >= since)) return;
      if (Date.now() > deadline) throw new Error(`${this.options.name}: not drained after ${timeoutMs} ms`);
      // Idle shards poll at once instead of after their back-off (not too often: 5 calls/s per shard).
      if (++rounds % 10 === 1) this.idle.wakeAll();
      await sleep(20);
    }
  }

  private async discoverLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const startedAt = Date.now();
        await this.discover();
        this.discoveredAt = startedAt;
        failures = 0;
        await this.rediscover.wait(this.options.shardDiscoveryMs);
      } catch (error) {
        this.options.logger.warn('listing kinesis shards failed', { consumer: this.name, stream: this.options.streamName, error: describeError(error) });
        await this.rediscover.wait(backoffDelay(++failures, { baseDelayMs: 200, maxDelayMs: 5000 }));
      }
    }
  }

  private async discover(): Promise<void> {
    const listed = await listShards(this.options.client, this.options.streamName);
    const present = new Set(listed.map((s) => s.ShardId));
    for (const shard of listed) {
      const id = shard.ShardId!;
      if (this.stopped || this.shards.has(id)) continue;
      // Parents that have aged out of the stream are no longer listed and hold nothing to wait for.
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => !!p && present.has(p));
      if (parents.some((p) => !this.shards.get(p)?.finished)) continue;
      const state: ShardState = { id, finished: false, caughtUpAt: 0, millisBehind: 0 };
      this.shards.set(id, state);
      state.loop = this.runShard(state);
    }
  }

  private async runShard(state: ShardState): Promise<void> {
    const { checkpoints, logger } = this.options;
    let iterator: string | undefined;
    let idleRounds = 0;
    let failures = 0;
    let initialised = false;
    while (!this.stopped) {
      try {
        if (!initialised) {
          const checkpoint = await checkpoints.read(state.id);
          if (checkpoint && 'shardEnd' in checkpoint) return this.finish(state, false);
          state.position = checkpoint?.sequenceNumber;
          initialised = true;
        }
        iterator ??= await this.iteratorFor(state);
        const fetched = await this.fetch(state, iterator);
        iterator = fetched.next;
        if (fetched.records.length > 0) {
          idleRounds = 0;
          for (const batch of splitByBytes(fetched.records, this.options.maxBatchBytes)) {
            await deliverRecords(batch, this.options, this.delivery(state));
            if (this.stopped) return;
          }
        }
        failures = 0;
        // No next iterator: the shard is closed and has been read to its end.
        if (iterator === undefined) return await this.finish(state, true);
        if (fetched.records.length === 0) {
          if (fetched.emptyAt !== undefined) state.caughtUpAt = fetched.emptyAt;
          await this.idle.wait(this.idleDelay(idleRounds++));
        }
      } catch (error) {
        // Whatever failed, read again from the last checkpoint: records past it may have been
        // fetched but not delivered, and redelivery is harmless (handlers are idempotent).
        iterator = undefined;
        failures++;
        logger.warn('kinesis shard read failed; retrying', { consumer: this.name, shard: state.id, failures, error: describeError(error) });
        await this.stopping.wait(backoffDelay(failures, { baseDelayMs: 100, maxDelayMs: 5000 }));
      }
    }
  }

  private async iteratorFor(state: ShardState): Promise<string> {
    const { client, streamName, logger } = this.options;
    const base = { StreamName: streamName, ShardId: state.id };
    if (state.position) {
      try {
        const out = await client.send(new GetShardIteratorCommand({ ...base, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: state.position }));
        return out.ShardIterator!;
      } catch (error) {
        if ((error as Error).name !== 'InvalidArgumentException') throw error;
        // The stream was recreated under the same name: its records are all new to this consumer.
        logger.warn('kinesis checkpoint not in the shard; reading from its oldest record', { consumer: this.name, shard: state.id, sequenceNumber: state.position });
      }
    }
    const out = await client.send(new GetShardIteratorCommand({ ...base, ShardIteratorType: 'TRIM_HORIZON' }));
    return out.ShardIterator!;
  }

  /** One batch: a GetRecords call, then more while the batching window is open and the batch not full. */
  private async fetch(state: ShardState, iterator: string): Promise<Fetched> {
    const { client, batchSize, maxBatchBytes, maxBatchingWindowMs } = this.options;
    const records: DeliverableRecord[] = [];
    let bytes = 0;
    let next: string | undefined = iterator;
    let firstAt = 0;
    let emptyAt: number | undefined;
    while (next !== undefined) {
      const requestedAt = Date.now();
      const out: GetRecordsCommandOutput = await client.send(new GetRecordsCommand({ ShardIterator: next, Limit: batchSize - records.length }));
      next = out.NextShardIterator;
      state.millisBehind = out.MillisBehindLatest ?? 0;
      const got = out.Records ?? [];
      for (const record of got) {
        records.push(toDeliverable(record));
        bytes += record.Data?.byteLength ?? 0;
      }
      if (got.length === 0 && state.millisBehind === 0) emptyAt = requestedAt;
      if (records.length === 0 || records.length >= batchSize || bytes >= maxBatchBytes || maxBatchingWindowMs <= 0 || this.stopped) break;
      if (firstAt === 0) firstAt = requestedAt;
      const left = firstAt + maxBatchingWindowMs - Date.now();
      if (left <= 0) break;
      await this.stopping.wait(Math.min(left, this.options.idleDelayMs.min));
    }
    return { records, next, emptyAt: records.length === 0 ? emptyAt : undefined };
  }

  private delivery(state: ShardState): ShardDelivery<DeliverableRecord> {
    return {
      shardId: state.id,
      eventSourceARN: this.options.streamArn,
      acknowledge: async (record) => {
        await this.options.checkpoints.write(state.id, { sequenceNumber: record.sequenceNumber });
        state.position = record.sequenceNumber;
      },
      isStopped: () => this.stopped,
      pause: (ms) => this.stopping.wait(ms),
    };
  }

  private async finish(state: ShardState, checkpoint: boolean): Promise<void> {
    if (checkpoint) await this.options.checkpoints.write(state.id, { shardEnd: true });
    state.finished = true;
    this.finishedAt = Date.now();
    this.rediscover.wakeAll();
  }

  private idleDelay(rounds: number): number {
    const { min, max } = this.options.idleDelayMs;
    return Math.min(max, min * 2 ** rounds);
  }
}

function toDeliverable(record: KinesisRecord): DeliverableRecord {
  const data = record.Data ?? new Uint8Array();
  return {
    sequenceNumber: record.SequenceNumber!,
    partitionKey: record.PartitionKey!,
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
  };
}
