import { gunzipSync } from 'node:zlib';
import { DecodedTooLargeError, RequestDecodingError } from './errors';

/** Inflate in 64 KiB steps: fewer round trips than the 16 KiB default, still a fine-grained cap. */
const GZIP_CHUNK = 64 * 1024;

export function hasGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Gunzips with a cap on the output: zlib stops and throws as soon as the output passes `cap`,
 * so a bomb costs at most `cap` bytes of memory and the time to inflate them.
 */
export function gunzipCapped(bytes: Uint8Array, cap: number): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: cap, chunkSize: GZIP_CHUNK });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new DecodedTooLargeError(cap);
    throw new RequestDecodingError('invalid gzip data');
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 (a BOM is dropped); invalid sequences are a 400. */
export function decodeUtf8(bytes: Uint8Array, what = 'request payload'): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new RequestDecodingError(`invalid UTF-8 in ${what}`);
  }
}

/** Like decodeUtf8, but undefined instead of an error. */
export function tryDecodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
