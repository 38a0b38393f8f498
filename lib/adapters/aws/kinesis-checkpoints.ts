import type { KeyValueStore } from '../../ports/key-value-store';

/**
 * Where a consumer is in one shard: after a sequence number, or past the end of a closed shard
 * (its children may then be read).
 */
export type ShardCheckpoint = { readonly sequenceNumber: string } | { readonly shardEnd: true };

export interface ShardCheckpoints {
  read(shardId: string): Promise<ShardCheckpoint | undefined>;
  write(shardId: string, checkpoint: ShardCheckpoint): Promise<void>;
}

/**
 * Checkpoints in the key-value store, one item per consumer, stream and shard: the embedded
 * store in the data folder, or the DynamoDB table when DYNAMODB_ENDPOINT is set (as the Kinesis
 * Client Library keeps its leases). The stream name is part of the key, so pointing the platform
 * at other streams starts those from their oldest record.
 */
export function keyValueCheckpoints(kv: KeyValueStore, consumer: string, streamName: string): ShardCheckpoints {
  const key = (shardId: string) => `kinesis-checkpoint:${consumer}:${streamName}:${shardId}`;
  return {
    read: (shardId) => kv.get<ShardCheckpoint>(key(shardId)),
    write: async (shardId, checkpoint) => {
      await kv.put(key(shardId), checkpoint);
    },
  };
}
