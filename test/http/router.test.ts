/** The router's error handling: HttpErrors keep their status; request values that cannot become text are 400s; the rest are 500s. */
import { BadRequestError } from '../../lib/http/errors';
import { Router, withErrorHandling } from '../../lib/http/router';
import type { HttpRequest } from '../../lib/http/types';
import { silentLogger } from '../../lib/observability/logger';

const request = (path: string): HttpRequest => ({ method: 'POST', path, query: new URLSearchParams(), headers: {}, body: Buffer.from('{}'), sourceIp: '127.0.0.1' });

const router = new Router()
  .add('POST', '/bad', async () => {
    throw new BadRequestError('invalid_input', 'name is required.', 'name');
  })
  .add('POST', '/text', async () => {
    // What JSON.parse makes of {"toString": ""}, handed to String() deep in a handler.
    const value = JSON.parse('{"toString": ""}') as unknown;
    return { status: 200, body: `got ${String(value)}` };
  })
  .add('POST', '/number', async () => ({ status: 200, body: String(Number(JSON.parse('{"valueOf": 1, "toString": 2}'))) }))
  .add('POST', '/bug', async () => {
    throw new TypeError('Cannot read properties of undefined');
  });
const handle = withErrorHandling((req) => router.handle(req), silentLogger);

it('answers an HttpError with its status, code and attr', async () => {
  const res = await handle(request('/bad'));
  expect(res.status).toBe(400);
  expect(JSON.parse(String(res.body))).toEqual({ type: 'validation_error', code: 'invalid_input', detail: 'name is required.', attr: 'name' });
});

it.each(['/text', '/number'])('answers a request value that cannot become text or a number (%s) with a 400', async (path) => {
  const res = await handle(request(path));
  expect(res.status).toBe(400);
  expect(JSON.parse(String(res.body))).toMatchObject({ type: 'validation_error', code: 'invalid_input' });
});

it('answers any other error with a 500 that shows nothing of it', async () => {
  const res = await handle(request('/bug'));
  expect(res.status).toBe(500);
  expect(String(res.body)).not.toContain('undefined');
});
