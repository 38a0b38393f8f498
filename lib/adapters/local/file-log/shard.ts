import fs from 'node:fs';
import path from 'node:path';
import { decodeRecord, type StoredRecord } from './record-codec';

interface Segment {
  readonly base: number;
  readonly file: string;
  /** Bytes of valid records in the file. */
  size: number;
  fd?: number;
}

const SEGMENT_SUFFIX = '.log';
const segmentName = (base: number) => `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`;

/**
 * One shard: an ordered run of append-only segment files. A record's offset in the shard
 * (segment base + position) is its sequence number, so offsets only grow.
 */
export class Shard {
  private readonly segments: Segment[] = [];

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
    private readonly fsync: boolean,
  ) {}

  /** Opens (or creates) a shard folder, cutting off a torn tail left by a crash. */
  static open(dir: string, options: { segmentBytes: number; fsync: boolean }): Shard {
    fs.mkdirSync(dir, { recursive: true });
    const shard = new Shard(dir, options.segmentBytes, options.fsync);
    const names = fs.readdirSync(dir).filter((n) => n.endsWith(SEGMENT_SUFFIX)).sort();
    for (const name of names) {
      const file = path.join(dir, name);
      shard.segments.push({ base: Number(name.slice(0, -SEGMENT_SUFFIX.length)), file, size: fs.statSync(file).size });
    }
    if (shard.segments.length === 0) shard.segments.push(shard.createSegment(0));
    shard.recoverTail();
    return shard;
  }

  /** The offset the next appended record will get. */
  get endOffset(): number {
    const last = this.active;
    return last.base + last.size;
  }

  get startOffset(): number {
    return this.segments[0].base;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  /** Appends already-encoded records (each in its parts) in one write; returns the offset of each. */
  append(encoded: readonly (readonly Uint8Array[])[]): number[] {
    if (this.active.size >= this.segmentBytes) this.roll();
    const seg = this.active;
    const offsets: number[] = [];
    const parts: Uint8Array[] = [];
    let at = seg.base + seg.size;
    for (const record of encoded) {
      offsets.push(at);
      for (const part of record) {
        parts.push(part);
        at += part.length;
      }
    }
    const total = at - (seg.base + seg.size);
    const fd = this.fdOf(seg);
    // One gathered write of the records as they are (libuv goes on past a short write and IOV_MAX),
    // not a copy of them all into one buffer first.
    let written = fs.writevSync(fd, parts, seg.size);
    if (written < total) {
      const all = Buffer.concat(parts);
      while (written < total) written += fs.writeSync(fd, all, written, total - written, seg.size + written);
    }
    if (this.fsync) fs.fdatasyncSync(fd);
    seg.size += total;
    return offsets;
  }

  /** Reads whole records from `offset` on, up to `maxRecords` and about `maxBytes`. */
  read(offset: number, maxRecords: number, maxBytes: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    let at = Math.max(offset, this.startOffset);
    while (out.length < maxRecords) {
      const seg = this.segmentAt(at);
      if (!seg || at >= seg.base + seg.size) break;
      const want = Math.min(maxBytes, seg.base + seg.size - at);
      let buf = this.readBytes(seg, at - seg.base, want);
      let pos = 0;
      let progressed = false;
      while (out.length < maxRecords) {
        const outcome = decodeRecord(buf, pos, at, false);
        if (outcome.kind === 'record') {
          out.push(outcome.record);
          pos = outcome.record.nextOffset - at;
          progressed = true;
          continue;
        }
        if (outcome.kind === 'incomplete' && !progressed && out.length === 0) {
          // A single record larger than maxBytes: read exactly it.
          buf = this.readBytes(seg, at - seg.base, outcome.needed);
          const retry = decodeRecord(buf, 0, at, false);
          if (retry.kind === 'record') {
            out.push(retry.record);
            pos = retry.record.nextOffset - at;
            progressed = true;
          }
        }
        break;
      }
      if (!progressed) break;
      at += pos;
      if (out.reduce((n, r) => n + r.data.length, 0) >= maxBytes) break;
    }
    return out;
  }

  /** Deletes whole segments that end at or before `offset` (never the active one). */
  deleteBefore(offset: number): number {
    let deleted = 0;
    while (this.segments.length > 1 && this.segments[1].base <= offset) {
      const seg = this.segments.shift()!;
      if (seg.fd !== undefined) fs.closeSync(seg.fd);
      fs.rmSync(seg.file, { force: true });
      deleted++;
    }
    return deleted;
  }

  close(): void {
    for (const seg of this.segments) {
      if (seg.fd !== undefined) fs.closeSync(seg.fd);
      seg.fd = undefined;
    }
  }

  private segmentAt(offset: number): Segment | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) if (this.segments[i].base <= offset) return this.segments[i];
    return undefined;
  }

  private readBytes(seg: Segment, position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    const n = fs.readSync(this.fdOf(seg), buf, 0, length, position);
    return buf.subarray(0, n);
  }

  private fdOf(seg: Segment): number {
    if (seg.fd === undefined) seg.fd = fs.openSync(seg.file, fs.existsSync(seg.file) ? 'r+' : 'w+');
    return seg.fd;
  }

  private createSegment(base: number): Segment {
    const file = path.join(this.dir, segmentName(base));
    fs.closeSync(fs.openSync(file, 'a'));
    return { base, file, size: 0 };
  }

  private roll(): void {
    const next = this.createSegment(this.endOffset);
    const prev = this.active;
    if (prev.fd !== undefined) {
      fs.closeSync(prev.fd);
      prev.fd = undefined;
    }
    this.segments.push(next);
  }

  /** Validates the active segment record by record and truncates what follows the last good one. */
  private recoverTail(): void {
    const seg = this.active;
    const buf = fs.readFileSync(seg.file);
    let pos = 0;
    for (;;) {
      const outcome = decodeRecord(buf, pos, seg.base);
      if (outcome.kind !== 'record') break;
      pos = outcome.record.nextOffset - seg.base;
    }
    if (pos < buf.length) fs.truncateSync(seg.file, pos);
    seg.size = pos;
  }
}
