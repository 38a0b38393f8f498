import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, headless, with the flags this machine needs (TOOLCHAIN §7; never a
 * downloaded browser). Playwright gives it a fresh, empty profile of its own.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Serves fixed pages on a loopback port of its own (another origin than Hedgerow's, as on a real site). */
export async function startPageServer(pages: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const page = pages[(req.url ?? '/').split('?')[0]];
    if (page === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A page that loads posthog-js from Hedgerow itself and initialises it against Hedgerow. */
export function posthogPage(options: { apiHost: string; token: string; init?: Record<string, unknown>; body?: string; script?: string }): string {
  const init = { api_host: options.apiHost, opt_out_useragent_filter: true, request_batching: true, ...options.init };
  return `<!doctype html>
<html><head><title>Hedgerow test page</title>
<script src="${options.apiHost}/static/array.js"></script>
<script>
  window.posthog.init(${JSON.stringify(options.token)}, ${JSON.stringify(init)});
</script>
</head><body>${options.body ?? '<h1>Hedgerow test page</h1>'}
<script>${options.script ?? ''}</script>
</body></html>`;
}
