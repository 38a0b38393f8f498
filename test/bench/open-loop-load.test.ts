import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runOpenLoopLoadApart } from '../../bench/support/load-apart';
import { parseResponse, runOpenLoopLoad } from '../../bench/support/open-loop-load';

describe('the open-loop load generator of the latency benchmarks', () => {
  it('frames responses by content-length and by chunked encoding, and waits for the rest', () => {
    const fixed = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404');
    expect(parseResponse(fixed)).toEqual({ length: fixed.length - 'HTTP/1.1 404'.length, status: 200, close: false });
    const closing = Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}');
    expect(parseResponse(closing)).toEqual({ length: closing.length, status: 200, close: true });
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel'))).toBeUndefined();
    const chunked = Buffer.from('HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    expect(parseResponse(chunked)).toEqual({ length: chunked.length, status: 400, close: false });
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'))).toBeUndefined();
  });

  it('sends every request on schedule, counts the non-200 answers and times the rest', async () => {
    const bodies: string[] = [];
    let made = 0;
    let madeAtFirst: number | undefined;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        madeAtFirst ??= made;
        const n = Number(JSON.parse(body).n);
        // Every fifth answer is a 400, every seventh comes after 20 ms (so requests overlap).
        setTimeout(() => res.writeHead(n % 5 === 0 ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ n })), n % 7 === 0 ? 20 : 0);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const body = (i: number) => {
        made++;
        return JSON.stringify({ n: i });
      };
      const r = await runOpenLoopLoad({ url: `http://127.0.0.1:${port}/flags/?v=2`, body, rate: 400, seconds: 0.5, warmup: 3, connections: 4 });
      expect(r.sent).toBe(200);
      expect(r.failed).toBe(40);
      expect(r.latencies).toHaveLength(160);
      expect([...r.latencies].sort((a, b) => a - b)).toEqual(r.latencies);
      expect(r.latencies[r.latencies.length - 1]).toBeGreaterThanOrEqual(19);
      expect(bodies).toHaveLength(203);
      // Every request was built before the first was sent (nothing is made while it measures).
      expect(madeAtFirst).toBe(203);
    } finally {
      server.close();
    }
  });

  it('reopens a connection the server closed, instead of waiting for its answer forever', async () => {
    let connections = 0;
    let requests = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      // Every other answer closes its connection (as a server does with an idle keep-alive connection).
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', ...(++requests % 2 === 0 ? { connection: 'close' } : {}) }).end('{}'));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await runOpenLoopLoad({ url: `http://127.0.0.1:${port}/`, body: () => '{}', rate: 100, seconds: 0.3, connections: 2 });
      expect(r.sent).toBe(30);
      expect(r.failed).toBe(0);
      expect(r.latencies).toHaveLength(30);
      expect(connections).toBeGreaterThanOrEqual(2 + 14); // all but the last closed one reopened
    } finally {
      server.close();
    }
  });

  it('runs in a node process of its own and reports the same figures', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(body);
        res.writeHead(JSON.parse(body).n === 7 ? 503 : 200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await runOpenLoopLoadApart({ url: `http://127.0.0.1:${port}/`, body: (i) => JSON.stringify({ n: i }), rate: 200, seconds: 0.2, warmup: 2, connections: 2 });
      expect(r.sent).toBe(40);
      expect(r.failed).toBe(1);
      expect(r.latencies).toHaveLength(39);
      // The bodies were made here, warm-up ones first, and each was sent once.
      expect(seen.map((b) => JSON.parse(b).n)).toEqual(Array.from({ length: 42 }, (_, i) => i));
    } finally {
      server.close();
    }
  });

  it('says why when the generator in its own process fails', async () => {
    await expect(runOpenLoopLoadApart({ url: 'http://127.0.0.1:1/', body: () => '{}', rate: 10, seconds: 0.1 })).rejects.toThrow(/load generator: .*ECONNREFUSED/);
  });
});
