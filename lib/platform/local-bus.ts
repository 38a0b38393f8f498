/**
 * The local platform's bus and the runners of its consumers, chosen together: the durable file
 * log in the data folder, Kinesis at KINESIS_ENDPOINT read by pollers, or Kafka at KAFKA_BROKERS
 * read by consumer-group members (on AWS, event-source mappings do the reading; this process has
 * none). Either way a consumer's handler gets the same Kinesis-shaped batches under the same
 * delivery rules (lib/adapters/batch-delivery.ts).
 */
import path from 'node:path';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store';
import type { Logger } from '../observability/logger';
import type { BatchHandler, EventBus, StreamName } from '../ports/bus';
import type { KeyValueStore } from '../ports/key-value-store';
import type { KafkaConfig, KinesisConfig, LocalConfig } from './config';

export interface ConsumerSpec {
  /** Names the consumer's checkpoints and dead letters. */
  readonly name: string;
  readonly stream: StreamName;
  readonly handler: BatchHandler;
  readonly deadLetters: DeadLetterStore;
  readonly logger: Logger;
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
}

export interface LocalConsumer {
  readonly name: string;
  start(): void;
  /** Finishes the batches in flight, checkpoints and stops. */
  stop(): Promise<void>;
  /** Resolves once what was on the stream at the call has been consumed. */
  drain(timeoutMs?: number): Promise<void>;
  /** What the health check shows: bytes behind on the log, milliseconds behind on Kinesis, records behind on Kafka. */
  health(): Record<string, number>;
}

export interface LocalBus {
  readonly bus: EventBus;
  consumer(spec: ConsumerSpec): LocalConsumer;
  /** Closes the bus; stop the consumers first. */
  close(): Promise<void>;
}

export async function openLocalBus(config: LocalConfig, deps: { readonly kv: KeyValueStore; readonly logger: Logger }): Promise<LocalBus> {
  if (config.kinesis) return openKinesisBus(config.kinesis, config.shards, deps);
  if (config.kafka) return openKafkaBus(config.kafka, deps);
  const [{ FileLog }, { LogConsumer }] = await Promise.all([import('../adapters/local/file-log/file-log'), import('../adapters/local/file-log/log-consumer')]);
  const log = FileLog.open({ dir: path.join(config.dataDir, 'bus'), shards: config.shards });
  return { bus: log, consumer: (spec) => new LogConsumer(log, spec), close: () => log.close() };
}

/**
 * Missing streams are created with `shards` shards unless KINESIS_CREATE_STREAMS is off, so that
 * kinesalite or LocalStack need no set-up; existing streams are used as they are. Checkpoints go
 * to the key-value store, keyed by consumer, stream and shard.
 */
async function openKinesisBus(config: KinesisConfig, shards: number, deps: { readonly kv: KeyValueStore; readonly logger: Logger }): Promise<LocalBus> {
  const [{ KinesisBus, createKinesisClient }, { KinesisPoller }, { ensureStreams }, { keyValueCheckpoints }] = await Promise.all([
    import('../adapters/aws/kinesis-bus'),
    import('../adapters/aws/kinesis-poller'),
    import('../adapters/aws/kinesis-streams'),
    import('../adapters/aws/kinesis-checkpoints'),
  ]);
  const client = createKinesisClient({ endpoint: config.endpoint, region: config.region });
  let arns: Map<string, { arn: string }>;
  try {
    arns = await ensureStreams(client, Object.values(config.streams), { create: config.createStreams, shards, logger: deps.logger });
  } catch (error) {
    client.destroy();
    throw error;
  }
  const bus = new KinesisBus({ streams: config.streams, client, logger: deps.logger });
  return {
    bus,
    consumer: (spec) => {
      const streamName = config.streams[spec.stream];
      return new KinesisPoller({
        ...spec,
        client,
        streamName,
        streamArn: arns.get(streamName)?.arn,
        checkpoints: keyValueCheckpoints(deps.kv, spec.name, streamName),
      });
    },
    close: async () => {
      await bus.close();
      client.destroy();
    },
  };
}

/** Consumers commit their offsets in Kafka, as members of the group `hedgerow-<consumer name>`. */
async function openKafkaBus(config: KafkaConfig, deps: { readonly logger: Logger }): Promise<LocalBus> {
  const [{ createKafka }, { KafkaBus }, { KafkaPoller }] = await Promise.all([
    import('../adapters/kafka/kafka-client'),
    import('../adapters/kafka/kafka-bus'),
    import('../adapters/kafka/kafka-poller'),
  ]);
  const kafka = createKafka({ brokers: config.brokers, iamRegion: config.iamRegion }, deps.logger);
  const bus = new KafkaBus({ kafka, topics: config.topics, logger: deps.logger });
  return {
    bus,
    consumer: (spec) => new KafkaPoller({ ...spec, kafka, topic: config.topics[spec.stream] }),
    close: () => bus.close(),
  };
}
