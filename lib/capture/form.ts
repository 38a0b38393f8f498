/** `application/x-www-form-urlencoded` bodies: `data=<…>&compression=<…>&ver=<…>` (contract §1.1 step 3). */

export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

const FORM_KEYS = ['data=', 'ver=', '_=', 'ip=', 'compression='] as const;
const PREFIX = 128;

/** Whether the first bytes read like a urlencoded form (one of the known keys, first or after `&`). */
export function looksLikeUrlencodedForm(bytes: Uint8Array): boolean {
  // Forms start with a letter or `_`; JSON (`{`, `[`) and gzip (0x1f) leave at the first byte.
  const first = bytes[0];
  if (!((first >= 97 && first <= 122) || first === 95)) return false;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, PREFIX)).toString('latin1');
  return FORM_KEYS.some((key) => head.startsWith(key) || head.includes(`&${key}`));
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export interface FormFields {
  readonly data: string | undefined;
  readonly compression: string | undefined;
}

export function parseForm(bytes: Uint8Array): FormFields {
  const form = new URLSearchParams(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  return { data: form.get('data') ?? undefined, compression: form.get('compression') ?? undefined };
}
