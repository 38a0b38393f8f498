import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpHandler, HttpRequest } from '../http/types';
import type { Logger } from '../observability/logger';

export interface HttpServerOptions {
  readonly port: number;
  readonly host: string;
  /** Bodies above this are refused with 413 before they are read whole. */
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

/** Serves an HttpHandler with node:http: the local platform's one port. */
export async function startHttpServer(handler: HttpHandler, options: HttpServerOptions): Promise<{ server: http.Server; url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const declared = Number(req.headers['content-length'] ?? 0);
    const refuse = () => {
      refused = true;
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ type: 'validation_error', code: 'payload_too_large', detail: `Request bodies are limited to ${options.maxBodyBytes} bytes.`, attr: null }));
      req.resume();
    };
    if (declared > options.maxBodyBytes) return refuse();
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > options.maxBodyBytes) return refuse();
      chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (refused) return;
      const url = new URL(req.url ?? '/', 'http://local');
      const forwarded = (req.headers['x-forwarded-for'] as string | undefined)?.split(',')[0]?.trim();
      const request: HttpRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers as Record<string, string | undefined>,
        body: Buffer.concat(chunks),
        sourceIp: forwarded || (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      };
      handler(request).then(
        (response) => {
          res.writeHead(response.status, response.headers ?? {});
          res.end(request.method === 'HEAD' ? undefined : response.body);
        },
        (error: unknown) => {
          options.logger.error('handler failed', { path: request.path, error });
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ type: 'server_error', code: 'error', detail: 'A server error occurred.', attr: null }));
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
