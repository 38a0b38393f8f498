import type { HttpRequest } from '../http/types';
import { BASE64_MODES, decodeBase64Strict, looksLikeBase64Bytes, looksLikeBase64Text } from './base64';
import { COMPRESSION, compressionOf, resolveCompression, type Compression } from './compression';
import { decodeUtf8, gunzipCapped, hasGzipMagic, tryDecodeUtf8 } from './decompress';
import { BodyTooLargeError, DecodedTooLargeError, EmptyPayloadError, RequestDecodingError } from './errors';
import { FORM_MEDIA_TYPE, looksLikeUrlencodedForm, mediaTypeOf, parseForm } from './form';
import { decodeLz64 } from './lz64';

export interface DecodeOptions {
  /** Cap on the body (or `?data=`) before any decoding. */
  readonly maxBodyBytes: number;
  /** Cap on the decoded text (UTF-8 bytes), enforced while inflating. */
  readonly maxDecodedBytes: number;
  /** Unwrap a second layer of base64 after decompression (legacy paths `/e`, `/capture`, `/engage`, `/track`). */
  readonly legacyBase64: boolean;
}

export interface DecodedPayload {
  readonly text: string;
  /** The exact UTF-8 bytes of `text` when they are at hand (not after lz64), else undefined. */
  readonly utf8: Uint8Array | undefined;
  readonly compression: Compression;
}

/**
 * Turns a capture request into the JSON text it carries, exactly in the order of contract §1.1
 * steps 1–6 (the order of PostHog's Rust capture). Shared by the event and (later) replay paths.
 * Throws CaptureErrors (400/413) only.
 */
export function decodePayload(req: HttpRequest, options: DecodeOptions): DecodedPayload {
  // 1. the payload: `?data=` (legacy GET) or the body
  let bytes = locatePayload(req);
  if (bytes.length > options.maxBodyBytes) throw new BodyTooLargeError(bytes.length, options.maxBodyBytes);
  if (bytes.length === 0) throw new EmptyPayloadError();

  // 2. optimistic base64 (JSON, gzip and forms leave at the first byte). lz64 text is base64 too:
  // when the query or the headers announce lz64, leave it (Rust would decode it and then fail).
  const announced = compressionOf(req.query.get('compression')) ?? compressionOf(req.headers['content-encoding']);
  if (announced !== COMPRESSION.lz64 && !looksLikeUrlencodedForm(bytes) && looksLikeBase64Bytes(bytes, BASE64_MODES.strict)) {
    bytes = decodeBase64Strict(latin1(bytes)) ?? bytes;
  }

  // 3. form bodies
  let formCompression: string | undefined;
  if (mediaTypeOf(req.headers['content-type']) === FORM_MEDIA_TYPE) {
    if (!looksLikeUrlencodedForm(bytes)) throw new RequestDecodingError('expected form data in request payload');
    const form = parseForm(bytes);
    formCompression = form.compression;
    if (form.data !== undefined) bytes = Buffer.from(restorePlus(form.data), 'utf8');
  }

  // 4. the compression hint
  const compression = resolveCompression(req.query.get('compression'), formCompression, req.headers['content-encoding']);

  // 5. decompress
  let decoded: Decoded;
  if (compression === COMPRESSION.gzip || hasGzipMagic(bytes)) {
    decoded = utf8Of(gunzipCapped(bytes, options.maxDecodedBytes), 'decompressed payload');
  } else if (compression === COMPRESSION.lz64) {
    decoded = { text: inflateLz64(latin1(bytes), options.maxDecodedBytes), utf8: undefined };
  } else {
    if (bytes.length > options.maxDecodedBytes) throw new DecodedTooLargeError(options.maxDecodedBytes);
    decoded = utf8Of(bytes, 'request payload');
    if (compression === COMPRESSION.base64) decoded = unwrapBase64Hint(decoded, options.maxDecodedBytes);
  }

  // 6. legacy paths: still base64 after all that → once more (kept as is when that fails)
  if (options.legacyBase64 && looksLikeBase64Text(decoded.text, BASE64_MODES.strict)) {
    const unwrapped = decodeBase64Strict(decoded.text);
    if (unwrapped) {
      if (unwrapped.length > options.maxDecodedBytes) throw new DecodedTooLargeError(options.maxDecodedBytes);
      const text = tryDecodeUtf8(unwrapped);
      if (text !== undefined) decoded = { text, utf8: withoutBom(unwrapped) };
    }
  }
  return { ...decoded, compression };
}

interface Decoded {
  readonly text: string;
  readonly utf8: Uint8Array | undefined;
}

function utf8Of(bytes: Uint8Array, what: string): Decoded {
  return { text: decodeUtf8(bytes, what), utf8: withoutBom(bytes) };
}

/** The decoder drops a leading BOM; drop it from the bytes too, so they stay the text's bytes. */
function withoutBom(bytes: Uint8Array): Uint8Array {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}
function locatePayload(req: HttpRequest): Buffer {
  const data = req.query.get('data');
  // URLSearchParams turned `+` into spaces: restore them when the value is base64
  if (data) return Buffer.from(restorePlus(data), 'utf8');
  return req.body;
}

/** Url-decoding turned base64's `+` into spaces; put them back (only when the text looks base64). */
function restorePlus(value: string): string {
  return value.includes(' ') && looksLikeBase64Text(value, BASE64_MODES.loose) ? value.replaceAll(' ', '+') : value;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

function inflateLz64(input: string, cap: number): string {
  const text = decodeLz64(input.trim(), cap);
  if (text === 'over') throw new DecodedTooLargeError(cap);
  if (text === undefined || !isWellFormed(text)) throw new RequestDecodingError('invalid lz64 data');
  if (Buffer.byteLength(text, 'utf8') > cap) throw new DecodedTooLargeError(cap);
  return text;
}

/** Lone surrogates cannot become UTF-8 (String.prototype.isWellFormed, Node ≥ 20; not in the ES2022 lib). */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** `compression=base64`: unless step 2 already unwrapped it (then it is JSON), it must be strict base64. */
function unwrapBase64Hint(decoded: Decoded, cap: number): Decoded {
  const trimmed = decoded.text.trim();
  const first = trimmed.charCodeAt(0);
  if (first === 0x7b || first === 0x5b) return decoded; // `{` or `[`
  const bytes = decodeBase64Strict(trimmed);
  if (!bytes) throw new RequestDecodingError('invalid base64 data');
  if (bytes.length > cap) throw new DecodedTooLargeError(cap);
  if (hasGzipMagic(bytes)) return utf8Of(gunzipCapped(bytes, cap), 'decompressed payload');
  return utf8Of(bytes, 'base64 payload');
}
