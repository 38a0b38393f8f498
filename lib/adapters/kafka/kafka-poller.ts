import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { CONSUMER_DEFAULTS, deliverRecords, describeError, splitByBytes, type ConsumerOptions, type DeliverableRecord } from '../batch-delivery';
import { backoffDelay } from '../aws/backoff';
import { Waker } from '../waker';

/** The shortest wait of a fetch on an idle topic: a window of 0 would poll the broker in a loop. */
const MIN_FETCH_WAIT_MS = 100;

export interface KafkaPollerOptions extends ConsumerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** The consumer group, which keeps the committed offsets. @default `hedgerow-<name>` */
  readonly groupId?: string;
}

/**
 * A Kafka consumer for a process that is not a Lambda (the local platform on KAFKA_BROKERS): a
 * consumer group member of `hedgerow-<name>` that hands each partition's batches to the same
 * handler and delivery rules as the MSK event-source mapping on AWS, one partition's records in
 * order, and commits a partition's offset as each batch is done (handled or dead-lettered), so a
 * restart redelivers at most the batch in flight. Batches hold at most `batchSize` records;
 * a fetch waits up to `maxBatchingWindowMs` for records to arrive.
 */
export class KafkaPoller {
  private readonly options: Required<Omit<KafkaPollerOptions, 'groupId'>> & { readonly groupId: string };
  private readonly consumer: Consumer;
  private admin?: Admin;
  private stopped = false;
  /** Set once the consumer runs in its group; unset by a crash kafkajs does not recover from. */
  private isRunning = false;
  private running?: Promise<void>;
  /** Records behind the partition's high watermark after its last batch. */
  private readonly lagByPartition = new Map<number, number>();
  /** Wakes retry pauses (a stop only). */
  private readonly stopping = new Waker();
  /** The `eachBatch` calls under way: a stop waits for them before it disconnects. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: KafkaPollerOptions) {
    this.options = { ...CONSUMER_DEFAULTS, groupId: `hedgerow-${options.name}`, ...options };
    this.consumer = options.kafka.consumer({
      groupId: this.options.groupId,
      // How long a fetch waits for data when there is none (the broker answers as soon as there is):
      // the batching window, but never a busy loop of fetches on an idle topic.
      maxWaitTimeInMs: Math.max(MIN_FETCH_WAIT_MS, this.options.maxBatchingWindowMs),
      minBytes: 1,
      maxBytes: this.options.maxBatchBytes,
      // kafkajs heartbeats only when told to: after each acknowledged batch, between chunks and in
      // retry pauses, so a member stays in its group while a batch is retried.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      allowAutoTopicCreation: false,
      // Few retries inside kafkajs: keepRunning retries joining for as long as it takes, and a stop
      // does not wait out a long series of them.
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    // kafkajs restarts the consumer after a retriable error by itself; after any other it stops, and so is run again.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.options.logger.error('kafka consumer crashed', { consumer: this.name, restart: payload.restart, error: describeError(payload.error) });
      if (!payload.restart && !this.stopped) {
        this.isRunning = false;
        this.running = this.keepRunning();
      }
    });
  }

  get name(): string {
    return this.options.name;
  }

  start(): void {
    this.running = this.keepRunning();
  }

  /** Finishes the batches in flight (each committed as it completes) and leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.close();
    await this.running;
    // kafkajs drops commits once its consumer is stopping: the batches in flight commit first.
    await Promise.allSettled(this.inFlight);
    try {
      await this.consumer.disconnect();
    } finally {
      await this.admin?.disconnect();
    }
  }

  /** `running` 0 while the consumer is not (yet, or any more) a member of its group: nothing is consumed then. */
  health(): { running: number; lag_records: number; partitions: number } {
    return { running: this.isRunning ? 1 : 0, lag_records: [...this.lagByPartition.values()].reduce((a, b) => a + b, 0), partitions: this.lagByPartition.size };
  }

  /** Resolves once the group has committed every partition up to its end as it was at the call. */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const admin = await this.connectedAdmin();
    const ends = await admin.fetchTopicOffsets(this.options.topic);
    for (;;) {
      const [committed] = await admin.fetchOffsets({ groupId: this.options.groupId, topics: [this.options.topic] });
      const at = new Map(committed.partitions.map((p) => [p.partition, BigInt(p.offset)]));
      if (ends.every((end) => BigInt(end.high) <= BigInt(end.low) || (at.get(end.partition) ?? -1n) >= BigInt(end.high))) return;
      if (Date.now() > deadline) throw new Error(`${this.name}: not drained after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Joins the group and runs, retrying with backoff until it does or the poller stops (Kafka may not be up yet). */
  private async keepRunning(): Promise<void> {
    for (let failures = 0; !this.stopped; ) {
      try {
        await this.run();
        this.isRunning = true;
        return;
      } catch (error) {
        failures++;
        this.options.logger.warn('kafka consumer could not start; retrying', { consumer: this.name, failures, error: describeError(error) });
        await this.consumer.disconnect().catch(() => undefined);
        await this.stopping.wait(backoffDelay(failures, { baseDelayMs: 200, maxDelayMs: 5000 }));
      }
    }
  }

  private async run(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    if (this.stopped) return;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions are independent, as Kinesis shards are: each goes at its own pace.
      partitionsConsumedConcurrently: 16,
      eachBatch: (payload) => this.tracked(this.deliverBatch(payload)),
    });
  }

  private async deliverBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const records = batch.messages.map(toDeliverable);
    const isStopped = () => this.stopped || !isRunning() || isStale();
    for (const chunk of splitByBytes(records, this.options.maxBatchBytes, this.options.batchSize)) {
      await deliverRecords(chunk, this.options, {
        shardId: `${topic}-${partition}`,
        eventSourceARN: topic,
        acknowledge: async (record) => {
          resolveOffset(record.sequenceNumber);
          const next = (BigInt(record.sequenceNumber) + 1n).toString();
          await this.consumer.commitOffsets([{ topic, partition, offset: next }]);
          await heartbeat();
          this.lagByPartition.set(partition, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next))));
        },
        isStopped,
        pause: async (ms) => {
          await this.stopping.wait(ms);
          await heartbeat();
        },
      });
      if (isStopped()) return;
      await heartbeat();
    }
  }

  private async tracked(delivery: Promise<void>): Promise<void> {
    this.inFlight.add(delivery);
    try {
      await delivery;
    } finally {
      this.inFlight.delete(delivery);
    }
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.options.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }
}

function toDeliverable(message: KafkaMessage): DeliverableRecord {
  return {
    sequenceNumber: message.offset,
    partitionKey: message.key?.toString() ?? '',
    data: message.value ?? Buffer.alloc(0),
    arrivalMs: Number(message.timestamp),
  };
}
