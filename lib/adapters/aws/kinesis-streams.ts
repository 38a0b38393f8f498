import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { Logger } from '../../observability/logger';
import { sleep } from './backoff';

export interface StreamInfo {
  readonly name: string;
  readonly arn: string;
}

/**
 * Makes sure each named stream exists and is ACTIVE, creating a missing one with `shards`
 * provisioned shards when `create` is set (kinesalite and LocalStack start empty). An existing
 * stream is used as it is. Answers each stream's ARN, by name.
 */
export async function ensureStreams(
  client: KinesisClient,
  names: readonly string[],
  options: { readonly create: boolean; readonly shards: number; readonly logger: Logger; readonly timeoutMs?: number },
): Promise<Map<string, StreamInfo>> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const ensureOne = async (name: string): Promise<StreamInfo> => {
    let arn = await describeActive(client, name, 0, timeoutMs);
    if (arn === undefined) {
      if (!options.create) throw new Error(`Kinesis stream "${name}" does not exist (stream creation is off).`);
      options.logger.info('creating kinesis stream', { stream: name, shards: options.shards });
      try {
        await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: options.shards }));
      } catch (error) {
        // Another process created it between the two calls: use it.
        if ((error as Error).name !== 'ResourceInUseException') throw error;
      }
      arn = await describeActive(client, name, timeoutMs, timeoutMs);
      if (arn === undefined) throw new Error(`Kinesis stream "${name}" did not become ACTIVE.`);
    }
    return { name, arn };
  };
  // In parallel: a new stream takes a while to become ACTIVE (500 ms on kinesalite, seconds on AWS).
  const infos = await Promise.all([...new Set(names)].map(ensureOne));
  return new Map(infos.map((info) => [info.name, info]));
}

/**
 * The stream's ARN once it is ACTIVE (waiting up to `activeWaitMs`); undefined when it still
 * does not exist after `missingWaitMs`.
 */
async function describeActive(client: KinesisClient, name: string, missingWaitMs: number, activeWaitMs: number): Promise<string | undefined> {
  const started = Date.now();
  const deadline = started + activeWaitMs;
  for (;;) {
    let summary;
    try {
      ({ StreamDescriptionSummary: summary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: name })));
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      if (Date.now() >= started + missingWaitMs) return undefined;
    }
    // UPDATING streams (a reshard in progress) can be read and written.
    if (summary && (summary.StreamStatus === 'ACTIVE' || summary.StreamStatus === 'UPDATING')) return summary.StreamARN ?? name;
    if (Date.now() >= deadline) throw new Error(`Kinesis stream "${name}" is ${summary?.StreamStatus ?? 'missing'}, not ACTIVE.`);
    await sleep(50);
  }
}

/** Every shard of the stream, open and closed, following ListShards' pages. */
export async function listShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    // With a NextToken, ListShards refuses the stream name.
    const page = await client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}
