import { gunzipSync } from 'node:zlib';
import type { HttpRequest, HttpResponse } from '../../lib/http/types';
import { withGzip } from '../../lambdas/shared/gzip-response';

const request = (path: string, acceptEncoding?: string): HttpRequest => ({
  method: 'GET',
  path,
  query: new URLSearchParams(),
  headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {},
  body: Buffer.alloc(0),
  sourceIp: '127.0.0.1',
});

describe('withGzip (Lambda responses under the ALB and Lambda size caps)', () => {
  const big = 'x'.repeat(200_000);
  let calls = 0;
  const handler = withGzip(
    async (req): Promise<HttpResponse> => {
      calls++;
      return req.path === '/missing' ? { status: 404, headers: {}, body: big } : { status: 200, headers: { 'content-type': 'text/plain' }, body: req.path === '/small' ? 'tiny' : big };
    },
    { minBytes: 1024 },
  );

  test('compresses large 200 answers for clients that accept gzip, and says so', async () => {
    const res = await handler(request('/big', 'gzip, deflate, br'));
    expect(res.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'accept-encoding', 'content-type': 'text/plain' });
    expect(gunzipSync(res.body as Buffer).toString()).toBe(big);
    expect((res.body as Buffer).length).toBeLessThan(big.length / 10);
  });

  test('leaves small answers, errors and clients without gzip alone', async () => {
    expect((await handler(request('/small', 'gzip'))).body).toBe('tiny');
    expect((await handler(request('/missing', 'gzip'))).headers?.['content-encoding']).toBeUndefined();
    expect((await handler(request('/big'))).body).toBe(big);
    expect((await handler(request('/big', 'br'))).headers?.['content-encoding']).toBeUndefined();
  });

  test('caches per path only when asked (immutable files)', async () => {
    const files = withGzip(async (req) => ({ status: 200, headers: {}, body: `${req.path}:${big}` }), { cachePerPath: true });
    const first = await files(request('/static/a.js', 'gzip'));
    expect((await files(request('/static/a.js', 'gzip'))).body).toBe(first.body);
    // Without the cache, each answer is compressed afresh (dynamic bodies under one path).
    expect((await handler(request('/big', 'gzip'))).body).not.toBe((await handler(request('/big', 'gzip'))).body);
    expect(calls).toBeGreaterThan(0);
  });
});
