/**
 * Base64 as capture meets it: at several decoding layers, from SDKs of every age (contract §1.1).
 * "Likely" checks look at a prefix only (cheap); decoding is strict (standard alphabet, padded).
 */

/** How many leading characters the "likely" checks look at. */
const PREFIX = 128;

export const BASE64_MODES = {
  /** Raw bytes: no spaces. */
  strict: 'strict',
  /** Text that went through url-decoding: `+` may have become a space. */
  loose: 'loose',
} as const;
export type Base64Mode = (typeof BASE64_MODES)[keyof typeof BASE64_MODES];

function isBase64Char(c: number, loose: boolean): boolean {
  return (
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61 || (loose && c === 32)
  );
}

/** Bytes whose first characters are base64 and whose length is a multiple of 4. */
export function looksLikeBase64Bytes(bytes: Uint8Array, mode: Base64Mode): boolean {
  if (bytes.length === 0 || bytes.length % 4 !== 0) return false;
  const loose = mode === BASE64_MODES.loose;
  const end = Math.min(bytes.length, PREFIX);
  for (let i = 0; i < end; i++) if (!isBase64Char(bytes[i], loose)) return false;
  return true;
}

export function looksLikeBase64Text(text: string, mode: Base64Mode): boolean {
  if (text.length === 0 || text.length % 4 !== 0) return false;
  const loose = mode === BASE64_MODES.loose;
  const end = Math.min(text.length, PREFIX);
  for (let i = 0; i < end; i++) if (!isBase64Char(text.charCodeAt(i), loose)) return false;
  return true;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (padding required, no whitespace); undefined when the text is not that. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !STRICT_BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
