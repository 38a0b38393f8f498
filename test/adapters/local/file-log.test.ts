import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileLog, shardIndex } from '../../../lib/adapters/local/file-log/file-log';
import { LogConsumer } from '../../../lib/adapters/local/file-log/log-consumer';
import type { DeadLetter, DeadLetterStore } from '../../../lib/dead-letters/dead-letter-store';
import { silentLogger } from '../../../lib/observability/logger';
import { decodeRecord, type BatchHandler, type StreamBatch } from '../../../lib/ports/bus';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-log-'));
const rec = (key: string, text: string) => ({ partitionKey: key, data: Buffer.from(text) });

function memoryDeadLetters(): DeadLetterStore & { letters: DeadLetter[] } {
  const letters: DeadLetter[] = [];
  return { letters, write: async (l) => void letters.push(l), list: async () => letters };
}

function collect(): { handler: BatchHandler; seen: string[]; batches: StreamBatch[] } {
  const seen: string[] = [];
  const batches: StreamBatch[] = [];
  return {
    seen,
    batches,
    handler: async (batch) => {
      batches.push(batch);
      for (const r of batch.Records) seen.push(decodeRecord(r).toString());
      return { batchItemFailures: [] };
    },
  };
}

describe('FileLog', () => {
  it('maps a key to a shard as Kinesis does: the top 32 bits of its MD5 over equal ranges', () => {
    // MD5("abc") = 900150983cd24fb0…: 0x90015098 / 2^32 = 0.5625…
    expect([1, 2, 4, 16].map((n) => shardIndex('abc', n))).toEqual([0, 1, 2, 9]);
    expect(shardIndex('', 4)).toBe(3); // MD5("") = d41d8cd9…
  });

  it('spreads keys over shards by MD5 and keeps per-key order', async () => {
    const dir = tmp();
    const log = FileLog.open({ dir, shards: 4 });
    for (let i = 0; i < 50; i++) await log.put('events', [rec(`k${i % 7}`, `${i}`)]);
    const all = log.shardsOf('events').flatMap((s, i) => s.read(0, 1000, 1 << 20).map((r) => ({ shard: i, r })));
    expect(all).toHaveLength(50);
    for (const { shard, r } of all) expect(shard).toBe(shardIndex(r.partitionKey, 4));
    const k3 = all.filter((x) => x.r.partitionKey === 'k3').map((x) => Number(x.r.data.toString()));
    expect(k3).toEqual([...k3].sort((a, b) => a - b));
    expect(new Set(all.map((x) => x.shard)).size).toBeGreaterThan(1);
    await log.close();
  });

  it('appends more records in one put than one gathered write takes (IOV_MAX), each intact and in order', async () => {
    const dir = tmp();
    const log = FileLog.open({ dir, shards: 1 });
    const texts = Array.from({ length: 2500 }, (_, i) => `${i}:${'x'.repeat(i % 97)}`);
    await log.put('events', texts.map((t) => rec('one-key', t)));
    await log.put('events', [rec('one-key', 'after')]);
    const read = log.shardsOf('events')[0].read(0, 10_000, 16 << 20).map((r) => r.data.toString());
    expect(read).toEqual([...texts, 'after']);
    await log.close();
  });

  it('survives reopening and cuts off a torn tail', async () => {
    const dir = tmp();
    const log = FileLog.open({ dir, shards: 1 });
    await log.put('events', [rec('a', 'one'), rec('a', 'two')]);
    await log.close();
    const segment = path.join(dir, 'events', 'shard-000', '00000000000000000000.log');
    fs.appendFileSync(segment, Buffer.from([40, 0, 0, 0, 1, 2, 3])); // a half-written record
    const reopened = FileLog.open({ dir, shards: 1 });
    const shard = reopened.shardsOf('events')[0];
    expect(shard.read(0, 10, 1 << 20).map((r) => r.data.toString())).toEqual(['one', 'two']);
    await reopened.put('events', [rec('a', 'three')]);
    expect(shard.read(0, 10, 1 << 20).map((r) => r.data.toString())).toEqual(['one', 'two', 'three']);
    await reopened.close();
  });

  it('checks each record whole at reopening: a changed byte in its data cuts the log off there', async () => {
    const dir = tmp();
    const log = FileLog.open({ dir, shards: 1 });
    await log.put('events', [rec('key', 'first'), rec('key', 'second'), rec('key', 'third')]);
    await log.close();
    const segment = path.join(dir, 'events', 'shard-000', '00000000000000000000.log');
    const bytes = fs.readFileSync(segment);
    const at = bytes.indexOf('second');
    bytes[at] = 'S'.charCodeAt(0);
    fs.writeFileSync(segment, bytes);
    const reopened = FileLog.open({ dir, shards: 1 });
    expect(reopened.shardsOf('events')[0].read(0, 10, 1 << 20).map((r) => r.data.toString())).toEqual(['first']);
    await reopened.close();
  });

  it('rolls segments and deletes those every consumer has passed', async () => {
    const dir = tmp();
    const log = FileLog.open({ dir, shards: 1, segmentBytes: 200 });
    for (let i = 0; i < 20; i++) await log.put('events', [rec('a', 'x'.repeat(50))]);
    const shard = log.shardsOf('events')[0];
    expect(fs.readdirSync(shard.dir).length).toBeGreaterThan(3);
    expect(shard.read(0, 100, 1 << 20)).toHaveLength(20);
    log.writeCheckpoint('events', 'c1', 0, shard.endOffset);
    // Compaction goes by the positions on disk: none yet, so nothing is deleted.
    log.compact('events');
    expect(fs.readdirSync(shard.dir).length).toBeGreaterThan(3);
    await log.flushCheckpoints();
    log.compact('events');
    expect(fs.readdirSync(shard.dir)).toHaveLength(1);
    await log.close();
  });

  it('writes checkpoints behind the consumer, always the latest, and the last one at close', async () => {
    const dir = tmp();
    const log = FileLog.open({ dir, shards: 1 });
    for (let offset = 1; offset <= 50; offset++) log.writeCheckpoint('events', 'c1', 0, offset);
    await log.flushCheckpoints();
    expect(log.readCheckpoint('events', 'c1', 0)).toBe(50);
    log.writeCheckpoint('events', 'c1', 0, 60);
    await log.close();
    const reopened = FileLog.open({ dir, shards: 1 });
    expect(reopened.readCheckpoint('events', 'c1', 0)).toBe(60);
    expect(reopened.readCheckpoint('events', 'other', 0)).toBe(0);
    await reopened.close();
  });

  it('appends concurrent puts without gaps, each visible once written', async () => {
    const log = FileLog.open({ dir: tmp(), shards: 1 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.put('events', [rec(`k${i % 7}`, `v${i}`)])));
    const shard = log.shardsOf('events')[0];
    const read = shard.read(0, 1000, 1 << 20);
    expect(read.map((r) => r.data.toString()).sort()).toEqual(Array.from({ length: 200 }, (_, i) => `v${i}`).sort());
    expect(read[read.length - 1].nextOffset).toBe(shard.endOffset);
    await log.close();
  });

  it('refuses a record above the Kinesis size limit', async () => {
    const log = FileLog.open({ dir: tmp(), shards: 1 });
    await expect(log.put('events', [rec('a', 'x'.repeat(1_000_001))])).rejects.toThrow(/limit/);
    await log.close();
  });
});

describe('LogConsumer', () => {
  it('delivers Kinesis-shaped batches and resumes from its checkpoint', async () => {
    const dir = tmp();
    const log = FileLog.open({ dir, shards: 2 });
    const first = collect();
    const consumer = new LogConsumer(log, { name: 'c', stream: 'events', handler: first.handler, deadLetters: memoryDeadLetters(), logger: silentLogger, batchSize: 3 });
    consumer.start();
    for (let i = 0; i < 10; i++) await log.put('events', [rec(`k${i}`, `e${i}`)]);
    await consumer.drain();
    await consumer.stop();
    expect(first.seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`).sort());
    const r = first.batches[0].Records[0];
    expect(r.eventSource).toBe('aws:kinesis');
    expect(r.kinesis.sequenceNumber).toMatch(/^\d{20}$/);
    expect(first.batches.every((b) => b.Records.length <= 3)).toBe(true);

    await log.put('events', [rec('k1', 'late')]);
    const second = collect();
    const again = new LogConsumer(log, { name: 'c', stream: 'events', handler: second.handler, deadLetters: memoryDeadLetters(), logger: silentLogger });
    again.start();
    await again.drain();
    await again.stop();
    expect(second.seen).toEqual(['late']);
    await log.close();
  });

  it('resumes from the first reported failure and dead-letters a poison record after retries', async () => {
    const log = FileLog.open({ dir: tmp(), shards: 1 });
    const done: string[] = [];
    const handler: BatchHandler = async (batch) => {
      const failures = [];
      for (const r of batch.Records) {
        const text = decodeRecord(r).toString();
        if (text === 'poison') failures.push({ itemIdentifier: r.kinesis.sequenceNumber });
        else if (failures.length === 0) done.push(text);
      }
      return { batchItemFailures: failures };
    };
    const dlq = memoryDeadLetters();
    const consumer = new LogConsumer(log, { name: 'c', stream: 'events', handler, deadLetters: dlq, logger: silentLogger, batchSize: 10, maxRetries: 2, retryDelayMs: 1 });
    consumer.start();
    await log.put('events', ['a', 'b', 'poison', 'c', 'd'].map((t) => rec('k', t)));
    await consumer.drain();
    await consumer.stop();
    expect(done).toEqual(['a', 'b', 'c', 'd']);
    expect(dlq.letters).toHaveLength(1);
    expect(Buffer.from(dlq.letters[0].data, 'base64').toString()).toBe('poison');
    expect(dlq.letters[0].attempts).toBe(3);
    await log.close();
  });

  it('bisects a batch whose handler throws, so only the bad record is dead-lettered', async () => {
    const log = FileLog.open({ dir: tmp(), shards: 1 });
    const done: string[] = [];
    const handler: BatchHandler = async (batch) => {
      const texts = batch.Records.map((r) => decodeRecord(r).toString());
      if (texts.includes('boom')) throw new Error('cannot handle boom');
      done.push(...texts);
      return { batchItemFailures: [] };
    };
    const dlq = memoryDeadLetters();
    const consumer = new LogConsumer(log, { name: 'c', stream: 'events', handler, deadLetters: dlq, logger: silentLogger, batchSize: 8, maxRetries: 1, retryDelayMs: 1 });
    consumer.start();
    await log.put('events', ['1', '2', '3', '4', '5', 'boom', '7', '8'].map((t) => rec('k', t)));
    await consumer.drain();
    await consumer.stop();
    expect(done).toEqual(['1', '2', '3', '4', '5', '7', '8']);
    expect(dlq.letters.map((l) => Buffer.from(l.data, 'base64').toString())).toEqual(['boom']);
    expect(dlq.letters[0].error).toMatch(/cannot handle boom/);
    await log.close();
  });

  it('waits up to the batching window to fill a batch', async () => {
    const log = FileLog.open({ dir: tmp(), shards: 1 });
    const c = collect();
    const consumer = new LogConsumer(log, { name: 'c', stream: 'events', handler: c.handler, deadLetters: memoryDeadLetters(), logger: silentLogger, batchSize: 100, maxBatchingWindowMs: 150 });
    consumer.start();
    await log.put('events', [rec('k', '1')]);
    await new Promise((r) => setTimeout(r, 20));
    await log.put('events', [rec('k', '2')]);
    await consumer.drain();
    await consumer.stop();
    expect(c.batches).toHaveLength(1);
    expect(c.seen).toEqual(['1', '2']);
    await log.close();
  });
});
