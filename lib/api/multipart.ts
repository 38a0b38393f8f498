import { BadRequestError } from '../http/errors';

export interface MultipartFile {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
}

export interface MultipartForm {
  readonly fields: Record<string, string>;
  readonly files: Record<string, MultipartFile>;
}

/** A `multipart/form-data` body (RFC 7578): text fields and files by name; 400 when malformed. */
export function parseMultipart(body: Buffer, contentType: string): MultipartForm {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw new BadRequestError('parse_error', 'Multipart form data without a boundary.');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const fields: Record<string, string> = {};
  const files: Record<string, MultipartFile> = {};
  let start = body.indexOf(delimiter);
  if (start < 0) throw new BadRequestError('parse_error', 'Multipart form data without parts.');
  for (;;) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new BadRequestError('parse_error', 'Multipart form data is truncated.');
    const part = body.subarray(start + 2, next - 2); // after CRLF, before CRLF--boundary
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw new BadRequestError('parse_error', 'A multipart part has no headers.');
    const headers = part.subarray(0, split).toString('utf8');
    const content = part.subarray(split + 4);
    const disposition = /content-disposition:[^\r\n]*?\bname="([^"]*)"(?:[^\r\n]*?\bfilename="([^"]*)")?/i.exec(headers);
    if (disposition) {
      const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1].trim() ?? 'application/octet-stream';
      if (disposition[2] !== undefined) files[disposition[1]] = { filename: disposition[2], contentType: type, content: Buffer.from(content) };
      else fields[disposition[1]] = content.toString('utf8');
    }
    start = next;
  }
  return { fields, files };
}
