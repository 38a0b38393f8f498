import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runClosedLoopLoad } from '../../bench/support/closed-loop-load';
import { runClosedLoopLoadApart } from '../../bench/support/load-apart';

/** A server that answers each request with `answer(n)` (n counts requests from 0), and what it received. */
async function serve(answer: (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; bodies: string[]; close: () => void }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => answer(bodies.push(body) - 1, req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/i/v0/e/`, bodies, close: () => server.close() };
}

describe('the closed-loop load generator of the throughput benchmarks', () => {
  it('keeps `concurrency` requests in flight for the time given, cycling through the bodies, and counts the answers', async () => {
    let inFlight = 0;
    let most = 0;
    const s = await serve((n, _req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(n % 3 === 2 ? 400 : 200, { 'content-type': 'application/json' }).end('{}');
      }, 5);
    });
    try {
      const r = await runClosedLoopLoad({ url: s.url, body: (i) => `body-${i}`, distinct: 4, seconds: 0.3, concurrency: 3 });
      expect(r.ok + r.failed).toBe(s.bodies.length);
      expect(r.failed).toBe(s.bodies.filter((_, n) => n % 3 === 2).length);
      expect(s.bodies.length).toBeGreaterThan(20);
      expect(most).toBe(3);
      expect(new Set(s.bodies)).toEqual(new Set(['body-0', 'body-1', 'body-2', 'body-3']));
    } finally {
      s.close();
    }
  });

  it('sends no faster than the rate given', async () => {
    const s = await serve((_n, _req, res) => res.writeHead(200).end());
    try {
      const r = await runClosedLoopLoad({ url: s.url, body: () => Buffer.from([1, 2, 3]), distinct: 1, seconds: 0.5, concurrency: 4, rate: 40 });
      expect(r.failed).toBe(0);
      expect(r.ok).toBeGreaterThanOrEqual(10); // it sends; on a loaded machine the last few may not go out before the time is up
      expect(r.ok).toBeLessThanOrEqual(21);
      expect(s.bodies.every((b) => b === '\u0001\u0002\u0003')).toBe(true);
    } finally {
      s.close();
    }
  });

  it('counts a request whose connection the server closed as failed and goes on with a new connection', async () => {
    const s = await serve((n, req, res) => {
      if (n === 1) req.socket.destroy();
      else res.writeHead(200).end();
    });
    try {
      const r = await runClosedLoopLoad({ url: s.url, body: () => '{}', distinct: 1, seconds: 0.2, concurrency: 1 });
      expect(r.failed).toBe(1);
      expect(r.ok).toBe(s.bodies.length - 1);
      expect(r.ok).toBeGreaterThan(5);
    } finally {
      s.close();
    }
  });

  it('goes on with a new connection when the server answers `Connection: close`, losing nothing', async () => {
    const s = await serve((n, _req, res) => res.writeHead(200, n % 2 === 0 ? { connection: 'close' } : {}).end());
    try {
      const r = await runClosedLoopLoad({ url: s.url, body: () => '{}', distinct: 1, seconds: 0.2, concurrency: 2 });
      expect(r.failed).toBe(0);
      expect(r.ok).toBe(s.bodies.length);
      expect(r.ok).toBeGreaterThan(5);
    } finally {
      s.close();
    }
  });

  it('fails when it cannot connect, in this process or in its own', async () => {
    await expect(runClosedLoopLoad({ url: 'http://127.0.0.1:1/', body: () => '{}', distinct: 1, seconds: 0.1 })).rejects.toThrow(/ECONNREFUSED/);
    await expect(runClosedLoopLoadApart({ url: 'http://127.0.0.1:1/', body: () => '{}', distinct: 1, seconds: 0.1 })).rejects.toThrow(/load generator: .*ECONNREFUSED/);
  });

  it('runs in a node process of its own with bodies given as bytes', async () => {
    const s = await serve((_n, _req, res) => res.writeHead(200).end());
    try {
      const r = await runClosedLoopLoadApart({ url: s.url, body: (i) => Buffer.from(`gz-${i}`), distinct: 2, seconds: 0.2, concurrency: 2 });
      expect(r.failed).toBe(0);
      expect(r.ok).toBe(s.bodies.length);
      expect(new Set(s.bodies)).toEqual(new Set(['gz-0', 'gz-1']));
    } finally {
      s.close();
    }
  });
});
