import type { Construct } from 'constructs';
import type { HedgerowFunction, HedgerowFunctionProps } from './constructs/hedgerow-function';
import { KinesisConsumer } from './constructs/kinesis-consumer';
import { MskConsumer } from './constructs/msk-consumer';
import type { DataStack } from './data-stack';
import { vpcPlacement } from './database-access';
import type { BusChannel, ConsumerSettings } from './profiles';

/** The variables naming each channel (docs/architecture.md): a stream name, or with msk a topic name. */
const CHANNEL_VARIABLES: Record<BusChannel, string> = {
  events: 'HEDGEROW_STREAM_EVENTS',
  events_processed: 'HEDGEROW_STREAM_EVENTS_PROCESSED',
  recordings: 'HEDGEROW_STREAM_RECORDINGS',
};

/**
 * How a function reaches the bus (bin/app.ts option `bus`):
 * - `kinesis`: the Kinesis API over HTTPS, from anywhere;
 * - `msk`: Kafka with IAM authentication over TLS to MSK Serverless brokers, which only the VPC
 *   reaches, so producers run in the VPC. Consumers stay where they are: their event-source
 *   mappings' pollers, not the functions, connect to the brokers.
 */
export function producerPlacement(data: DataStack): Partial<HedgerowFunctionProps> {
  return data.bus.kind === 'msk' ? vpcPlacement(data) : {};
}

/** Packages a producer needs beside its bundle: with msk the Kafka client (an external module, see EXTERNAL_MODULES). */
export function producerModules(data: DataStack): string[] {
  return data.bus.kind === 'msk' ? ['kafkajs'] : [];
}

/**
 * The environment of a function that writes `channels`: their stream names, or with msk their topic
 * names plus HEDGEROW_KAFKA_BROKERS (whose presence selects Kafka at run time).
 */
export function producerEnvironment(data: DataStack, channels: readonly BusChannel[]): Record<string, string> {
  const { bus } = data;
  const names = Object.fromEntries(channels.map((c) => [CHANNEL_VARIABLES[c], bus.kind === 'kinesis' ? bus.streams[c].streamName : bus.topics[c]]));
  return bus.kind === 'msk' ? { ...names, HEDGEROW_KAFKA_BROKERS: bus.bootstrapBrokers } : names;
}

/** Write access to `channels` and nothing else on the bus. */
export function grantProduce(fn: HedgerowFunction, data: DataStack, channels: readonly BusChannel[]): void {
  const { bus } = data;
  if (bus.kind === 'msk') bus.grantProduce(fn, channels);
  else for (const c of channels) bus.streams[c].grantWrite(fn);
}

/** Feeds `fn` from `channel` with an event-source mapping of either kind (partial failures, bisect, retries, on-failure destination). */
export function consumeChannel(scope: Construct, id: string, fn: HedgerowFunction, data: DataStack, channel: BusChannel, settings: ConsumerSettings): KinesisConsumer | MskConsumer {
  const { bus } = data;
  return bus.kind === 'msk'
    ? new MskConsumer(scope, id, { function: fn, bus, channel, settings })
    : new KinesisConsumer(scope, id, { function: fn, stream: bus.streams[channel], settings });
}
