/** The Kinesis poller of the local platform, against kinesalite over HTTP with the real SDK client. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutRecordsCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { keyValueCheckpoints } from '../../../lib/adapters/aws/kinesis-checkpoints';
import { createKinesisClient } from '../../../lib/adapters/aws/kinesis-bus';
import { KinesisPoller, type KinesisPollerOptions } from '../../../lib/adapters/aws/kinesis-poller';
import { ensureStreams, listShards } from '../../../lib/adapters/aws/kinesis-streams';
import { FileKeyValueStore } from '../../../lib/adapters/local/file-key-value-store';
import type { DeadLetter, DeadLetterStore } from '../../../lib/dead-letters/dead-letter-store';
import { silentLogger } from '../../../lib/observability/logger';
import { decodeRecord, type BatchHandler, type StreamBatch } from '../../../lib/ports/bus';
import { TEST_CREDENTIALS, TEST_REGION, startKinesalite, type Emulator } from '../../support/aws-emulators';

let kinesalite: Emulator;
let client: KinesisClient;
const run = `t${Date.now().toString(36)}`;
const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-poller-')), 'kv.jsonl');

function memoryDeadLetters(): DeadLetterStore & { letters: DeadLetter[] } {
  const letters: DeadLetter[] = [];
  return { letters, write: async (l) => void letters.push(l), list: async () => letters };
}

/** A fresh stream of `shards` shards, created the way the platform creates missing ones. */
async function newStream(suffix: string, shards: number): Promise<{ name: string; arn: string }> {
  const name = `hedgerow-${run}-${suffix}`;
  const info = await ensureStreams(client, [name], { create: true, shards, logger: silentLogger });
  return info.get(name)!;
}

async function put(stream: string, records: { key: string; text: string }[]): Promise<void> {
  const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: records.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.text) })) }));
  expect(out.FailedRecordCount ?? 0).toBe(0);
}

function poller(stream: string, kv: FileKeyValueStore, handler: BatchHandler, extra: Partial<KinesisPollerOptions> = {}): KinesisPoller {
  return new KinesisPoller({
    client,
    streamName: stream,
    name: 'test-consumer',
    stream: 'events',
    handler,
    deadLetters: memoryDeadLetters(),
    logger: silentLogger,
    checkpoints: keyValueCheckpoints(kv, 'test-consumer', stream),
    idleDelayMs: { min: 10, max: 50 },
    retryDelayMs: 1,
    ...extra,
  });
}

/** A poller run until it has consumed everything in the stream, then stopped. */
async function pollToEnd(stream: string, kv: FileKeyValueStore, handler: BatchHandler, extra: Partial<KinesisPollerOptions> = {}): Promise<void> {
  const consumer = poller(stream, kv, handler, extra);
  consumer.start();
  await consumer.drain(10_000);
  await consumer.stop();
}

function collect(): { handler: BatchHandler; batches: StreamBatch[]; texts: () => string[] } {
  const batches: StreamBatch[] = [];
  return {
    batches,
    texts: () => batches.flatMap((b) => b.Records.map((r) => decodeRecord(r).toString())),
    handler: async (batch) => {
      batches.push(batch);
      return { batchItemFailures: [] };
    },
  };
}

beforeAll(async () => {
  kinesalite = await startKinesalite();
  client = createKinesisClient({ endpoint: kinesalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
});

afterAll(async () => {
  client?.destroy();
  await kinesalite?.stop();
});

describe('KinesisPoller', () => {
  it('delivers every shard in order, in Kinesis-shaped batches of at most batchSize', async () => {
    const { name, arn } = await newStream('order', 2);
    const records = Array.from({ length: 60 }, (_, i) => ({ key: `user-${i % 6}`, text: `${i % 6}:${i}` }));
    await put(name, records);
    const c = collect();
    await pollToEnd(name, FileKeyValueStore.open(tmpFile()), c.handler, { batchSize: 7, streamArn: arn });

    expect(c.texts().sort()).toEqual(records.map((r) => r.text).sort());
    expect(c.batches.every((b) => b.Records.length <= 7)).toBe(true);
    const shardsSeen = new Set<string>();
    for (const batch of c.batches) {
      const shardIds = new Set(batch.Records.map((r) => r.eventID.split(':')[0]));
      expect(shardIds.size).toBe(1);
      shardsSeen.add([...shardIds][0]);
      expect(batch.Records.every((r) => r.eventSource === 'aws:kinesis' && r.eventSourceARN === arn)).toBe(true);
      expect(batch.Records.every((r) => r.eventID.endsWith(`:${r.kinesis.sequenceNumber}`))).toBe(true);
    }
    expect(shardsSeen.size).toBe(2);
    // Within a shard sequence numbers grow, so each key's records arrive in the order they were put.
    for (let k = 0; k < 6; k++) {
      const own = c.texts().filter((t) => t.startsWith(`${k}:`)).map((t) => Number(t.split(':')[1]));
      expect(own).toEqual([...own].sort((a, b) => a - b));
      expect(own).toHaveLength(10);
    }
  });

  it('hands a large GetRecords answer over in batches of at most maxBatchBytes', async () => {
    const { name } = await newStream('bytes', 1);
    const big = 'x'.repeat(300_000);
    await put(name, [1, 2, 3, 4, 5].map((i) => ({ key: 'k', text: `${i}${big}` })));
    const c = collect();
    await pollToEnd(name, FileKeyValueStore.open(tmpFile()), c.handler, { batchSize: 100, maxBatchBytes: 700_000 });
    expect(c.batches.map((b) => b.Records.length)).toEqual([2, 2, 1]);
    expect(c.texts().map((t) => t[0])).toEqual(['1', '2', '3', '4', '5']);
  });

  it('resumes from its checkpoint after a restart without redelivering acknowledged records', async () => {
    const { name } = await newStream('resume', 2);
    const file = tmpFile();
    await put(name, Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, text: `first-${i}` })));
    const first = collect();
    const kv = FileKeyValueStore.open(file);
    await pollToEnd(name, kv, first.handler, { batchSize: 4 });
    await kv.close();
    expect(first.texts()).toHaveLength(20);

    await put(name, [{ key: 'k1', text: 'late-1' }, { key: 'k2', text: 'late-2' }]);
    const second = collect();
    await pollToEnd(name, FileKeyValueStore.open(file), second.handler);
    expect(second.texts().sort()).toEqual(['late-1', 'late-2']);
  });

  it('finishes the batch in flight on stop and checkpoints it', async () => {
    const { name } = await newStream('stop', 1);
    const file = tmpFile();
    await put(name, [1, 2, 3].map((i) => ({ key: 'k', text: `r${i}` })));
    let entered!: () => void;
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    const handled: string[] = [];
    const slow: BatchHandler = async (batch) => {
      entered();
      await new Promise((r) => setTimeout(r, 200));
      handled.push(...batch.Records.map((r) => decodeRecord(r).toString()));
      return { batchItemFailures: [] };
    };
    const one = poller(name, FileKeyValueStore.open(file), slow);
    one.start();
    await inFlight;
    await one.stop();
    expect(handled).toEqual(['r1', 'r2', 'r3']);

    const again = collect();
    await pollToEnd(name, FileKeyValueStore.open(file), again.handler);
    expect(again.texts()).toEqual([]);
  });

  it('retries a batch with reported item failures from the first failed item', async () => {
    const { name } = await newStream('partial', 1);
    await put(name, ['a', 'b', 'c', 'd'].map((t) => ({ key: 'k', text: t })));
    const batches: string[][] = [];
    let failedOnce = false;
    const handler: BatchHandler = async (batch) => {
      const texts = batch.Records.map((r) => decodeRecord(r).toString());
      batches.push(texts);
      const c = batch.Records.find((r) => decodeRecord(r).toString() === 'c');
      if (c && !failedOnce) {
        failedOnce = true;
        return { batchItemFailures: [{ itemIdentifier: c.kinesis.sequenceNumber }] };
      }
      return { batchItemFailures: [] };
    };
    await pollToEnd(name, FileKeyValueStore.open(tmpFile()), handler);
    expect(batches).toEqual([
      ['a', 'b', 'c', 'd'],
      ['c', 'd'],
    ]);
  });

  it('sends a poison record to the dead letters after the retries and moves on for good', async () => {
    const { name } = await newStream('poison', 1);
    const file = tmpFile();
    await put(name, ['a', 'poison', 'b'].map((t) => ({ key: 'k', text: t })));
    const done: string[] = [];
    let poisonCalls = 0;
    const handler: BatchHandler = async (batch) => {
      for (const r of batch.Records) {
        const text = decodeRecord(r).toString();
        if (text === 'poison') {
          poisonCalls++;
          return { batchItemFailures: [{ itemIdentifier: r.kinesis.sequenceNumber }] };
        }
        done.push(text);
      }
      return { batchItemFailures: [] };
    };
    const dlq = memoryDeadLetters();
    await pollToEnd(name, FileKeyValueStore.open(file), handler, { deadLetters: dlq, maxRetries: 2 });
    expect(done).toEqual(['a', 'b']);
    // Once behind 'a' (progress, so the attempts restart), then 1 + maxRetries times at the head.
    expect(poisonCalls).toBe(4);
    expect(dlq.letters).toHaveLength(1);
    expect(dlq.letters[0]).toMatchObject({ source: 'test-consumer', reason: 'retries_exhausted', partitionKey: 'k', attempts: 3 });
    expect(Buffer.from(dlq.letters[0].data, 'base64').toString()).toBe('poison');
    expect(dlq.letters[0].sequenceNumber).toMatch(/^\d+$/);

    const again = collect();
    await pollToEnd(name, FileKeyValueStore.open(file), again.handler);
    expect(again.texts()).toEqual([]);
  });

  it('picks up the children of a split shard after reading the parent to its end', async () => {
    const { name } = await newStream('split', 1);
    const file = tmpFile();
    await put(name, Array.from({ length: 10 }, (_, i) => ({ key: `u${i % 3}`, text: `before-${i}` })));
    const c = collect();
    const consumer = poller(name, FileKeyValueStore.open(file), c.handler, { shardDiscoveryMs: 50 });
    consumer.start();
    await consumer.drain(10_000);
    const [parent] = await listShards(client, name);
    await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: parent.ShardId!, NewStartingHashKey: (2n ** 127n).toString() }));
    await waitFor(async () => (await listShards(client, name)).length === 3);
    await put(name, Array.from({ length: 10 }, (_, i) => ({ key: `u${i % 3}`, text: `after-${i}` })));
    await waitFor(async () => c.texts().length === 20);
    await consumer.drain(10_000);
    await consumer.stop();

    const shardOf = new Map(c.batches.flatMap((b) => b.Records.map((r) => [decodeRecord(r).toString(), r.eventID.split(':')[0]] as const)));
    expect(new Set([...shardOf].filter(([t]) => t.startsWith('before')).map(([, s]) => s))).toEqual(new Set([parent.ShardId]));
    expect([...shardOf].filter(([t]) => t.startsWith('after')).every(([, s]) => s !== parent.ShardId)).toBe(true);
    expect(consumer.health().shards).toBe(2);
  });
});

describe('ensureStreams', () => {
  it('creates missing streams, keeps existing ones as they are, and refuses a missing one when creation is off', async () => {
    const existing = await newStream('existing', 3);
    const fresh = `hedgerow-${run}-fresh`;
    const infos = await ensureStreams(client, [existing.name, fresh], { create: true, shards: 1, logger: silentLogger });
    expect(infos.get(existing.name)!.arn).toBe(existing.arn);
    expect(infos.get(fresh)!.arn).toMatch(/^arn:aws:kinesis:.*:stream\/hedgerow-/);
    expect(await listShards(client, existing.name)).toHaveLength(3);
    expect(await listShards(client, fresh)).toHaveLength(1);
    await expect(ensureStreams(client, [`hedgerow-${run}-absent`], { create: false, shards: 1, logger: silentLogger })).rejects.toThrow(/does not exist/);
  });
});

async function waitFor(probe: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}
