/**
 * An open-loop HTTP/1.1 load generator for latency figures: requests start on a fixed schedule
 * whatever the answers do (no coordinated omission), over keep-alive connections written to as
 * raw sockets. node:http's client spends ~0.7 ms of its own per request on this machine (measured
 * against an empty server: p50 0.9 ms with it, 0.23 ms with raw sockets), which a latency figure
 * would otherwise count as the server's.
 *
 * The generator's own pauses would count as the server's too, so it allocates next to nothing
 * while it measures: every request's bytes are built before the load starts and the times are
 * kept in typed arrays. `runOpenLoopLoadApart` (load-apart.ts) runs it in a node process of
 * its own, whose heap holds nothing else.
 *
 * Each connection carries one request at a time; a request due while all are busy is pipelined
 * on the least loaded one (it then waits, as a real client's would).
 */
import net from 'node:net';

export interface LoadOptions {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** The body of the i-th request. */
  readonly body: (i: number) => string;
  readonly rate: number;
  readonly seconds: number;
  /** Requests sent one at a time before the measured load (not counted). */
  readonly warmup?: number;
  readonly connections?: number;
}

export interface LoadResult {
  readonly sent: number;
  /** Answers other than 200. */
  readonly failed: number;
  readonly achievedRate: number;
  /** Milliseconds, ascending. */
  readonly latencies: readonly number[];
}

interface Connection {
  socket: net.Socket;
  /** The requests written and not yet answered, in order (indexes into the start times). */
  readonly pending: number[];
  buffer: Buffer;
  /** The server closed it (an idle keep-alive connection past the server's timeout): reopened when next used. */
  closed: boolean;
}

/**
 * The length of the first complete response in `buffer`, its status and whether the server
 * closes the connection after it (`Connection: close`), or undefined if it is incomplete.
 */
export function parseResponse(buffer: Buffer): { length: number; status: number; close: boolean } | undefined {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = buffer.subarray(0, headEnd).toString('latin1');
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection: *close/i.test(head);
  const contentLength = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (contentLength) {
    const length = headEnd + 4 + Number(contentLength[1]);
    return buffer.length >= length ? { length, status, close } : undefined;
  }
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const last = buffer.indexOf('\r\n0\r\n\r\n', headEnd + 2);
    return last < 0 ? undefined : { length: last + 7, status, close };
  }
  return { length: headEnd + 4, status, close };
}

/** The bytes of `count` requests to `options.url`, the i-th with `options.body(i)`. */
export function requestBytes(options: Pick<LoadOptions, 'url' | 'method' | 'headers'> & { readonly body: (i: number) => string | Uint8Array }, count: number): Buffer[] {
  const url = new URL(options.url);
  const head =
    `${options.method ?? 'POST'} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
    Object.entries(options.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
  return Array.from({ length: count }, (_, i) => {
    const body = Buffer.from(options.body(i));
    return Buffer.concat([Buffer.from(`${head}Content-Length: ${body.length}\r\n\r\n`), body]);
  });
}

export async function runOpenLoopLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const port = Number(url.port);
  const warmup = options.warmup ?? 0;
  const total = Math.round(options.rate * options.seconds);
  const requests = requestBytes(options, warmup + total);
  // Start times and latencies by request index (performance.now(), ms); NaN for a non-200 answer.
  const startedAt = new Float64Array(warmup + total);
  const latencies = new Float64Array(warmup + total).fill(NaN);

  let outstanding = 0;
  let allAnswered: (() => void) | undefined;
  const idle: Connection[] = [];
  const connections: Connection[] = [];
  const open = (c: Connection) => {
    const socket = net.connect(port, url.hostname);
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      if (c.socket !== socket) return;
      c.buffer = c.buffer.length > 0 ? Buffer.concat([c.buffer, data]) : data;
      for (let response = parseResponse(c.buffer); response; response = parseResponse(c.buffer)) {
        c.buffer = c.buffer.subarray(response.length);
        const i = c.pending.shift()!;
        if (response.status === 200) latencies[i] = performance.now() - startedAt[i]!;
        outstanding--;
        if (response.close) {
          // The server closes the connection after this answer: requests sent behind it are
          // lost, and the next one goes on a new connection.
          outstanding -= c.pending.splice(0).length;
          c.closed = true;
          c.buffer = Buffer.alloc(0);
        }
        if (c.pending.length === 0) idle.push(c);
        if (outstanding === 0) allAnswered?.();
      }
    });
    // An error is followed by 'close'; the requests still waiting there are lost and count as failed.
    socket.on('error', () => {});
    socket.on('close', () => {
      if (c.socket !== socket) return;
      c.closed = true;
      c.buffer = Buffer.alloc(0);
      outstanding -= c.pending.splice(0).length;
      if (outstanding === 0) allAnswered?.();
    });
    c.socket = socket;
    c.closed = false;
    return socket;
  };
  for (let i = 0; i < (options.connections ?? 32); i++) {
    const c: Connection = { socket: new net.Socket(), pending: [], buffer: Buffer.alloc(0), closed: true };
    const socket = open(c);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    connections.push(c);
    idle.push(c);
  }
  const send = (i: number) => {
    const c = idle.pop() ?? connections.reduce((a, b) => (b.pending.length < a.pending.length ? b : a));
    if (c.closed) open(c);
    outstanding++;
    c.pending.push(i);
    startedAt[i] = performance.now();
    c.socket.write(requests[i]!);
  };
  const answered = () =>
    new Promise<void>((resolve) => {
      allAnswered = resolve;
      if (outstanding === 0) resolve();
    });

  try {
    for (let i = 0; i < warmup; i++) {
      send(i);
      await answered();
    }
    // A full collection now (where the process allows it: --expose-gc), so that none falls in the load.
    (globalThis as { gc?: () => void }).gc?.();
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / options.rate - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      send(warmup + i);
    }
    await answered();
    const elapsed = (performance.now() - start) / 1000;
    const measured = Array.from(latencies.subarray(warmup)).filter((l) => !Number.isNaN(l));
    return { sent: total, failed: total - measured.length, achievedRate: total / elapsed, latencies: measured.sort((a, b) => a - b) };
  } finally {
    for (const c of connections) c.socket.destroy();
  }
}
