import { hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { BusUnavailableError, MAX_RECORD_BYTES, type BusRecord, type EventBus, type StreamName } from '../../../ports/bus';
import { encodeRecord } from './record-codec';
import { Shard } from './shard';

export interface FileLogOptions {
  readonly dir: string;
  /** Shards per stream. @default 2 */
  readonly shards?: number;
  /** Roll to a new segment file past this size. @default 64 MiB */
  readonly segmentBytes?: number;
  /**
   * fdatasync after every append. Off by default: a write() that returned is in the page
   * cache and survives a crash of the process (kill -9), though not of the machine.
   * @default false
   */
  readonly fsync?: boolean;
}

interface Checkpoint {
  latest: number;
  stored?: number;
  writing?: Promise<void>;
  error?: unknown;
}

/**
 * The local stand-in for Kinesis: a durable on-disk log with Kinesis semantics. Records are
 * spread over shards by the MD5 of their partition key, keep their order within a shard, and
 * are read by consumers that checkpoint their position (see LogConsumer).
 */
export class FileLog implements EventBus {
  private readonly streams = new Map<string, Shard[]>();
  private readonly events = new EventEmitter();
  /** checkpoint file → the latest position recorded and the last one on disk */
  private readonly checkpoints = new Map<string, Checkpoint>();
  private closed = false;

  private constructor(private readonly options: Required<FileLogOptions>) {
    this.events.setMaxListeners(0);
  }

  static open(options: FileLogOptions): FileLog {
    fs.mkdirSync(options.dir, { recursive: true });
    return new FileLog({ shards: 2, segmentBytes: 64 * 1024 * 1024, fsync: false, ...options });
  }

  async put(stream: StreamName, records: readonly BusRecord[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('The log is closed.');
    const shards = this.shardsOf(stream);
    const byShard = new Map<number, ReturnType<typeof encodeRecord>[]>();
    const now = Date.now();
    for (const record of records) {
      if (record.data.length + Buffer.byteLength(record.partitionKey) > MAX_RECORD_BYTES) {
        throw new RangeError(`Record of ${record.data.length} bytes exceeds the ${MAX_RECORD_BYTES}-byte limit.`);
      }
      const index = shardIndex(record.partitionKey, shards.length);
      let list = byShard.get(index);
      if (!list) byShard.set(index, (list = []));
      list.push(encodeRecord(record.partitionKey, record.data, now));
    }
    try {
      for (const [index, encoded] of byShard) shards[index].append(encoded);
    } catch (error) {
      throw new BusUnavailableError(`Could not append to ${stream}.`, error);
    }
    this.events.emit(stream);
  }

  shardsOf(stream: string): Shard[] {
    let shards = this.streams.get(stream);
    if (!shards) {
      shards = [];
      for (let i = 0; i < this.options.shards; i++) {
        const dir = path.join(this.options.dir, stream, `shard-${String(i).padStart(3, '0')}`);
        shards.push(Shard.open(dir, { segmentBytes: this.options.segmentBytes, fsync: this.options.fsync }));
      }
      this.streams.set(stream, shards);
    }
    return shards;
  }

  /** Calls `listener` after every append to `stream`; returns the function that unsubscribes. */
  onAppend(stream: string, listener: () => void): () => void {
    this.events.on(stream, listener);
    return () => this.events.off(stream, listener);
  }

  /** A consumer's latest recorded position (on disk or about to be). */
  readCheckpoint(stream: string, consumer: string, shard: number): number {
    const file = this.checkpointFile(stream, consumer, shard);
    return this.checkpoints.get(file)?.latest ?? this.storedCheckpoint(file);
  }

  /** A position as written to disk: what a restart after a crash resumes from. */
  private storedCheckpoint(file: string): number {
    const known = this.checkpoints.get(file);
    if (known?.stored !== undefined) return known.stored;
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')).offset as number;
    } catch {
      return 0;
    }
  }

  /**
   * Records a consumer's position. The file follows on libuv's threads, at most one write in
   * flight per file and always of the latest position; `close` writes the last one. A crash may
   * lose the last few positions: those batches are delivered again, as Kinesis may do anyway,
   * and the consumers are idempotent. A failed write is thrown by the next call.
   */
  writeCheckpoint(stream: string, consumer: string, shard: number, offset: number): void {
    const file = this.checkpointFile(stream, consumer, shard);
    let checkpoint = this.checkpoints.get(file);
    if (!checkpoint) this.checkpoints.set(file, (checkpoint = { latest: offset }));
    if (checkpoint.error) {
      const error = checkpoint.error;
      checkpoint.error = undefined;
      throw error;
    }
    checkpoint.latest = offset;
    if (!checkpoint.writing) {
      const entry = checkpoint;
      entry.writing = this.storeCheckpoint(file, entry).finally(() => (entry.writing = undefined));
    }
  }

  /** Waits until every recorded position is on disk. */
  async flushCheckpoints(): Promise<void> {
    await Promise.all([...this.checkpoints.values()].map((c) => c.writing));
  }

  private async storeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
    try {
      // The folder exists once a position was stored.
      if (checkpoint.stored === undefined) await fsp.mkdir(path.dirname(file), { recursive: true });
      while (checkpoint.stored !== checkpoint.latest) {
        const offset = checkpoint.latest;
        await fsp.writeFile(`${file}.tmp`, JSON.stringify({ offset }));
        await fsp.rename(`${file}.tmp`, file);
        checkpoint.stored = offset;
      }
    } catch (error) {
      checkpoint.error = error;
    }
  }

  /** Deletes segments every consumer of the stream has checkpointed past. */
  compact(stream: string): void {
    const dir = path.join(this.options.dir, stream, 'checkpoints');
    const consumers = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    if (consumers.length === 0) return;
    this.shardsOf(stream).forEach((shard, i) => {
      // By the positions on disk: a segment goes only once no restart can need it.
      const min = Math.min(...consumers.map((c) => this.storedCheckpoint(this.checkpointFile(stream, c, i))));
      shard.deleteBefore(min);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const shards of this.streams.values()) for (const shard of shards) shard.close();
    await this.flushCheckpoints();
    this.events.removeAllListeners();
  }

  private checkpointFile(stream: string, consumer: string, shard: number): string {
    return path.join(this.options.dir, stream, 'checkpoints', consumer, `shard-${String(shard).padStart(3, '0')}.json`);
  }
}

/** Like Kinesis: the 128-bit MD5 of the key, mapped onto equal hash-key ranges (top 32 bits suffice). */
export function shardIndex(partitionKey: string, shardCount: number): number {
  // The one-shot crypto.hash: no Hash object per record (a third of the time per key).
  const top = parseInt(hash('md5', partitionKey, 'hex').slice(0, 8), 16);
  return Math.floor((top * shardCount) / 0x1_0000_0000);
}
