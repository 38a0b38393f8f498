import { CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';
import { silentLogger, type Logger } from '../../observability/logger';
import { splitBySize } from '../split-by-size';
import { BusUnavailableError, RecordTooLargeError, checkRecordSize, recordSize, type BusRecord, type EventBus, type StreamName } from '../../ports/bus';

/**
 * Bytes of records per produce request, their framing included: each partition's record batch
 * stays under a broker's default `message.max.bytes` (1,048,588), the bus's largest record too.
 */
export const PRODUCE_MAX_BYTES = 1_000_000;
/** A record's framing in a record batch (length, attributes, deltas, key and value lengths, header count: varints), rounded up. */
export const RECORD_OVERHEAD_BYTES = 32;

export interface KafkaBusOptions {
  readonly kafka: Kafka;
  /** Topic per logical stream. */
  readonly topics: Readonly<Partial<Record<StreamName, string>>>;
  /** Produce attempts (kafkajs retries a failed request with backoff) before `put` rejects. @default 6 */
  readonly maxAttempts?: number;
  readonly logger?: Logger;
}

/**
 * The bus on Kafka (MSK on AWS). A record's partition key is its message key: kafkajs's default
 * partitioner (murmur2, Java's) sends equal keys to one partition, which keeps them in order.
 * `put` resolves once every record is acknowledged by all in-sync replicas (acks = -1); records
 * go in produce requests of at most PRODUCE_MAX_BYTES, one after the other. The producer
 * connects on the first `put` and reconnects after a failed one.
 */
export class KafkaBus implements EventBus {
  private producer?: Promise<Producer>;
  private readonly logger: Logger;

  constructor(private readonly options: KafkaBusOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  async put(stream: StreamName, records: readonly BusRecord[]): Promise<void> {
    const topic = this.options.topics[stream];
    if (!topic) throw new BusUnavailableError(`No Kafka topic is configured for "${stream}".`);
    const messages = records.map(toMessage);
    const connecting = this.connected();
    try {
      const producer = await connecting;
      for (const chunk of chunkMessages(messages)) {
        await producer.send({ topic, messages: chunk, acks: -1, compression: CompressionTypes.None });
      }
    } catch (error) {
      this.logger.warn('kafka produce failed', { topic, records: records.length, error: (error as Error).message });
      // The next put connects afresh and this producer is closed in the background, unless another
      // put that failed on it has done so already (and a later put may have connected a new one).
      if (this.producer === connecting) {
        this.producer = undefined;
        void connecting.then((p) => p.disconnect()).catch(() => undefined);
      }
      throw new BusUnavailableError(`Producing ${records.length} records to ${topic} failed: ${(error as Error).message}`, error);
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await (await producer.catch(() => undefined))?.disconnect();
  }

  private connected(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.options.kafka.producer({
        allowAutoTopicCreation: false,
        retry: { retries: Math.max(0, (this.options.maxAttempts ?? 6) - 1), initialRetryTime: 100, maxRetryTime: 2000 },
      });
      await producer.connect();
      return producer;
    })();
    return this.producer;
  }
}

function toMessage(record: BusRecord, index: number): Message {
  if (record.partitionKey.length === 0) throw new RecordTooLargeError(`Record ${index}: the partition key is empty.`, index);
  checkRecordSize(record, index);
  return { key: record.partitionKey, value: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength) };
}

/** Splits messages, in order, into produce requests of at most PRODUCE_MAX_BYTES with their framing (a bigger message goes alone). */
export function chunkMessages(messages: readonly Message[]): Message[][] {
  return splitBySize(messages, (m) => recordSize(m.value as Buffer, m.key as string) + RECORD_OVERHEAD_BYTES, PRODUCE_MAX_BYTES);
}
