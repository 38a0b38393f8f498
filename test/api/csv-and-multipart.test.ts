/** The CSV and multipart/form-data parsers behind PostHog's static-cohort upload. */
import fc from 'fast-check';
import { parseCsv } from '../../lib/api/csv';
import { parseMultipart } from '../../lib/api/multipart';
import { HttpError } from '../../lib/http/errors';

/** RFC 4180 encoding: every field quoted, quotes doubled. */
const encode = (rows: string[][], eol: string) => rows.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')).join(eol) + eol;

describe('parseCsv', () => {
  it('reads back any rows written as RFC 4180, whatever the line ends', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r', 'é', '🚀', '1') });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), fc.constantFrom('\n', '\r\n', '\r'), (rows, eol) => {
        expect(parseCsv(encode(rows, eol))).toEqual(rows);
      }),
    );
  });

  it('reads unquoted fields, a byte-order mark and a last line without an end', () => {
    expect(parseCsv('\ufeffdistinct_id\r\nalice,x\nbob')).toEqual([['distinct_id'], ['alice', 'x'], ['bob']]);
    expect(parseCsv('')).toEqual([]);
  });
});

describe('parseMultipart', () => {
  it('reads the fields and files a browser FormData sends', async () => {
    const form = new FormData();
    form.append('name', 'Uploaded ✓');
    form.append('csv', new Blob(['a\r\nb\r\n'], { type: 'text/csv' }), 'ids.csv');
    const req = new Request('http://x/', { method: 'POST', body: form });
    const body = Buffer.from(await req.arrayBuffer());
    const parsed = parseMultipart(body, req.headers.get('content-type')!);
    expect(parsed.fields).toEqual({ name: 'Uploaded ✓' });
    expect(parsed.files.csv).toMatchObject({ filename: 'ids.csv', contentType: 'text/csv' });
    expect(parsed.files.csv.content.toString()).toBe('a\r\nb\r\n');
  });

  it.each([
    ['no boundary', 'multipart/form-data', '--x\r\n'],
    ['no parts', 'multipart/form-data; boundary=x', 'hello'],
    ['a truncated body', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue'],
  ])('refuses %s with a 400', (_name, type, body) => {
    let error: unknown;
    try {
      parseMultipart(Buffer.from(body), type);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
  });
});
