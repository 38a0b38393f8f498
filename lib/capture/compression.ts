/** The compression hint (contract §1.1 step 4). */
export const COMPRESSION = {
  none: 'none',
  gzip: 'gzip',
  lz64: 'lz64',
  base64: 'base64',
} as const;
export type Compression = (typeof COMPRESSION)[keyof typeof COMPRESSION];

/** A hint value (case-insensitive); unknown values are no hint, so the next source is asked. */
export function compressionOf(hint: string | null | undefined): Compression | undefined {
  switch (hint?.trim().toLowerCase()) {
    case 'gzip':
    case 'gzip-js':
      return COMPRESSION.gzip;
    case 'lz64':
    case 'lz-string':
      return COMPRESSION.lz64;
    case 'base64':
    case 'b64':
      return COMPRESSION.base64;
    default:
      return undefined;
  }
}

/** First match wins: query `compression`, then form `compression`, then `Content-Encoding`. */
export function resolveCompression(query: string | null, form: string | undefined, contentEncoding: string | undefined): Compression {
  return compressionOf(query) ?? compressionOf(form) ?? compressionOf(contentEncoding) ?? COMPRESSION.none;
}
