import { crc32 } from 'node:zlib';

/**
 * On-disk framing of one log record:
 *
 *   u32 bodyLength | u32 crc32(body) | body
 *   body = f64 arrivalMs | u16 partitionKeyLength | partitionKey (utf8) | data
 *
 * A torn or corrupt tail (a crash mid-write) fails the length or CRC check and is cut off
 * when the shard is opened.
 */
export const HEADER_BYTES = 8;
const BODY_FIXED_BYTES = 10;

export interface StoredRecord {
  /** Offset of the record in its shard: the sequence number. */
  readonly offset: number;
  /** Offset just past the record. */
  readonly nextOffset: number;
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly arrivalMs: number;
}

/**
 * A record's bytes as two parts written one after the other: the header with the partition key,
 * then the data as it was given (not copied; the CRC runs over both).
 */
export function encodeRecord(partitionKey: string, data: Uint8Array, arrivalMs: number): [Buffer, Uint8Array] {
  const keyLength = Buffer.byteLength(partitionKey);
  const bodyLength = BODY_FIXED_BYTES + keyLength + data.length;
  const head = Buffer.allocUnsafe(HEADER_BYTES + BODY_FIXED_BYTES + keyLength);
  head.writeUInt32LE(bodyLength, 0);
  head.writeDoubleLE(arrivalMs, HEADER_BYTES);
  head.writeUInt16LE(keyLength, HEADER_BYTES + 8);
  head.write(partitionKey, HEADER_BYTES + BODY_FIXED_BYTES, 'utf8');
  head.writeUInt32LE(crc32(data, crc32(head.subarray(HEADER_BYTES))), 4);
  return [head, data];
}

export type DecodeOutcome =
  | { kind: 'record'; record: StoredRecord }
  /** Not enough bytes in the buffer for the whole record; `needed` bytes from `at` would hold it. */
  | { kind: 'incomplete'; needed: number }
  | { kind: 'corrupt' };

/**
 * Decodes the record at `at` in `buf`, whose first byte sits at shard offset `baseOffset`.
 * `verify` checks the CRC: done when a shard opens (to find a torn tail), skipped on reads of
 * records this process has already validated or written.
 */
export function decodeRecord(buf: Buffer, at: number, baseOffset: number, verify = true): DecodeOutcome {
  if (buf.length - at < HEADER_BYTES) return { kind: 'incomplete', needed: HEADER_BYTES };
  const bodyLength = buf.readUInt32LE(at);
  if (bodyLength < BODY_FIXED_BYTES || bodyLength > 64 * 1024 * 1024) return { kind: 'corrupt' };
  const end = at + HEADER_BYTES + bodyLength;
  if (end > buf.length) return { kind: 'incomplete', needed: HEADER_BYTES + bodyLength };
  const body = buf.subarray(at + HEADER_BYTES, end);
  if (verify && crc32(body) !== buf.readUInt32LE(at + 4)) return { kind: 'corrupt' };
  const keyLength = body.readUInt16LE(8);
  if (BODY_FIXED_BYTES + keyLength > bodyLength) return { kind: 'corrupt' };
  return {
    kind: 'record',
    record: {
      offset: baseOffset + at,
      nextOffset: baseOffset + end,
      arrivalMs: body.readDoubleLE(0),
      partitionKey: body.toString('utf8', BODY_FIXED_BYTES, BODY_FIXED_BYTES + keyLength),
      data: body.subarray(BODY_FIXED_BYTES + keyLength),
    },
  };
}
