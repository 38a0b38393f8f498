/**
 * A closed-loop HTTP/1.1 load for throughput figures: `concurrency` keep-alive connections, each
 * sending its next request as soon as its last one is answered (and, given a `rate`, not before
 * that request is due), for `seconds`. Raw sockets, and every distinct request built before the
 * load, as in the open-loop generator: the generator should take as little as it can of the
 * machine whose throughput it measures (undici's fetch took ~0.2 of a core at 400 requests/s).
 */
import net from 'node:net';
import { parseResponse, requestBytes, type LoadOptions } from './open-loop-load';

export interface ClosedLoopOptions extends Pick<LoadOptions, 'url' | 'method' | 'headers'> {
  /** The i-th distinct request's body; the load cycles through `distinct` of them. */
  readonly body: (i: number) => string | Uint8Array;
  readonly distinct: number;
  readonly seconds: number;
  readonly concurrency?: number;
  /** At most this many requests a second in all (requests start on schedule, never earlier). */
  readonly rate?: number;
}

export interface ClosedLoopResult {
  /** Requests answered with a 200. */
  readonly ok: number;
  /** Requests answered otherwise, or lost with their connection. */
  readonly failed: number;
}

export async function runClosedLoopLoad(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const url = new URL(options.url);
  const requests = requestBytes(options, options.distinct);
  let next = 0;
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  const end = start + options.seconds * 1000;

  /** One connection's loop: send, wait for the answer, send the next, until the time is up. */
  const run = (done: () => void, fail: (error: Error) => void) => {
    let socket: net.Socket;
    let connected = false;
    let buffer: Buffer = Buffer.alloc(0);
    let waiting = false;
    const sendNext = () => {
      const now = performance.now();
      if (now >= end) return finish();
      const due = options.rate ? start + (next * 1000) / options.rate : now;
      if (due >= end) return finish();
      const i = next++;
      if (due > now + 1) {
        setTimeout(() => write(i), due - now);
        return;
      }
      write(i);
    };
    const write = (i: number) => {
      waiting = true;
      socket.write(requests[i % requests.length]!);
    };
    const finish = () => {
      socket.destroy();
      done();
    };
    const open = () => {
      connected = false;
      socket = net.connect(Number(url.port), url.hostname);
      socket.setNoDelay(true);
      socket.once('connect', () => {
        connected = true;
        sendNext();
      });
      socket.on('data', (data: Buffer) => {
        buffer = buffer.length > 0 ? Buffer.concat([buffer, data]) : data;
        const response = parseResponse(buffer);
        if (!response) return;
        buffer = buffer.subarray(response.length);
        waiting = false;
        if (response.status === 200) ok++;
        else failed++;
        if (!response.close) return sendNext();
        // The server closes this connection after the answer: go on with a new one.
        socket.removeAllListeners('close');
        socket.destroy();
        open();
      });
      let error: Error | undefined;
      socket.on('error', (e) => (error = e));
      // The server closed the connection: the request on it is lost; go on with a new one.
      socket.on('close', () => {
        if (!connected) return fail(error ?? new Error('connection closed before it was open'));
        if (!waiting) return;
        waiting = false;
        failed++;
        buffer = Buffer.alloc(0);
        if (performance.now() < end) open();
        else done();
      });
    };
    open();
  };

  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, () => new Promise<void>((resolve, reject) => run(resolve, reject))));
  return { ok, failed };
}
