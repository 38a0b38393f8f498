/**
 * Session replay with the real posthog-js in headless Chromium against a running Hedgerow: the
 * remote config turns the recorder on, the recorder bundle comes from Hedgerow's /static, a
 * scripted session (clicks, typing, navigation) is sent to /s/, and the recording is listed with
 * its duration, counts and URLs, its snapshots holding exactly the rrweb events the browser sent.
 */
import type { Browser } from 'playwright-core';
import { launchChromium, posthogPage, startPageServer } from '../support/browser';
import { api, eventually, startHedgerow, type RunningHedgerow } from '../support/hedgerow-process';

interface RrwebSent {
  type: number;
  timestamp: number;
  data?: { source?: number; type?: number };
}

interface Recording {
  id: string;
  distinct_id: string;
  recording_duration: number;
  click_count: number;
  keypress_count: number;
  start_url: string | null;
  start_time: string;
  end_time: string;
}

let h: RunningHedgerow;
let browser: Browser;
let pages: { url: string; close(): Promise<void> };

beforeAll(async () => {
  h = await startHedgerow();
  const optIn = await api(h, '/api/projects/@current/', { method: 'PATCH', body: JSON.stringify({ session_recording_opt_in: true }) });
  expect(optIn.status).toBe(200);
  const init = { person_profiles: 'always', session_recording: { maskAllInputs: false } };
  // Every $snapshot posthog-js sends, logged in sessionStorage (it survives the navigation, and
  // unlike the network view it also sees what is sent while a page unloads).
  const tap = `posthog.set_config({ before_send: function (e) {
    if (e && e.event === '$snapshot') {
      var log = JSON.parse(sessionStorage.getItem('sent') || '[]');
      log.push({ sessionId: e.properties.$session_id, events: e.properties.$snapshot_data.map(function (x) {
        return { type: x.type, timestamp: x.timestamp, data: x.data ? { source: x.data.source, type: x.data.type } : undefined };
      }) });
      sessionStorage.setItem('sent', JSON.stringify(log));
    }
    return e;
  } });`;
  pages = await startPageServer({
    '/': posthogPage({
      apiHost: h.url,
      token: h.token,
      init,
      script: tap,
      body: '<h1>Shop</h1><button id="buy">Buy</button><input id="name" /><a id="next" href="/checkout">Checkout</a>',
    }),
    '/checkout': posthogPage({ apiHost: h.url, token: h.token, init, script: tap, body: '<h1>Checkout</h1><button id="pay">Pay</button>' }),
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await h?.stop();
  h?.removeData();
});

it('records a scripted session that the recordings API lists and replays', async () => {
  const page = await browser.newPage();
  const recorderLoaded = page.waitForResponse((r) => /\/static\/.*recorder.*\.js/.test(r.url()) && r.status() === 200, { timeout: 30_000 });
  await page.goto(pages.url);
  await recorderLoaded;
  await page.waitForFunction(() => (window as unknown as { posthog: { sessionRecordingStarted(): boolean } }).posthog.sessionRecordingStarted(), undefined, { timeout: 20_000 });
  await page.click('#buy');
  await page.click('#buy');
  await page.type('#name', 'Ada', { delay: 50 });
  // posthog-js sends its snapshot buffer every 2 s (or when it grows); wait for a send before leaving.
  await page.waitForRequest((r) => new URL(r.url()).pathname.startsWith('/s'), { timeout: 20_000 });
  await Promise.all([page.waitForURL(/\/checkout$/), page.click('#next')]);
  await page.waitForFunction(() => (window as unknown as { posthog: { sessionRecordingStarted(): boolean } }).posthog.sessionRecordingStarted(), undefined, { timeout: 20_000 });
  await page.click('#pay');
  await page.waitForRequest((r) => new URL(r.url()).pathname.startsWith('/s'), { timeout: 20_000 });

  // The page is idle now; wait until Hedgerow holds everything posthog-js has sent.
  type Sent = { sessionId: string; events: RrwebSent[] }[];
  const readSent = async () => JSON.parse((await page.evaluate(() => sessionStorage.getItem('sent'))) ?? '[]') as Sent;
  const { sent, recording } = await eventually(async () => {
    const log = await readSent();
    const last = Math.max(...log.flatMap((s) => s.events.map((e) => e.timestamp)));
    const list = await api<{ results: Recording[] }>(h, '/api/projects/@current/session_recordings/');
    const found = list.body.results.find((r) => r.id === log[0]?.sessionId);
    return found && Date.parse(found.end_time) === last ? { sent: log, recording: found } : undefined;
  }, 30_000);
  await page.close();

  const sessionIds = [...new Set(sent.map((s) => s.sessionId))];
  expect(sessionIds).toHaveLength(1);
  const events = sent.flatMap((s) => s.events);
  const countBy = (list: readonly RrwebSent[]) => {
    const out: Record<string, number> = {};
    for (const e of list) out[e.type] = (out[e.type] ?? 0) + 1;
    return out;
  };
  const sentTypes = countBy(events);
  const first = Math.min(...events.map((e) => e.timestamp));
  const last = Math.max(...events.map((e) => e.timestamp));
  expect(sentTypes[2]).toBeGreaterThanOrEqual(2); // a full snapshot for each page
  expect(sentTypes[3]).toBeGreaterThan(0); // incremental snapshots
  // Four clicks (#next too); the two quick ones on #buy also make the browser report a double click, and
  // PostHog counts click, context menu, double click and touch end interactions.
  expect(events.filter((e) => e.type === 3 && e.data?.source === 2 && e.data.type === 2)).toHaveLength(4);
  const sentClicks = events.filter((e) => e.type === 3 && e.data?.source === 2 && [2, 3, 4, 9].includes(e.data.type ?? -1)).length;

  // PostHog's duration: dateDiff('second', start, end), i.e. whole-second boundaries crossed.
  expect(recording.recording_duration).toBe(Math.floor(last / 1000) - Math.floor(first / 1000));
  expect(Date.parse(recording.start_time)).toBe(first);
  expect(recording.click_count).toBe(sentClicks);
  expect(recording.keypress_count).toBeGreaterThanOrEqual(3);
  expect(recording.start_url).toBe(`${pages.url}/`);

  const sources = await api<{ sources: { blob_key: string }[] }>(h, `/api/projects/@current/session_recordings/${recording.id}/snapshots/`);
  expect(sources.status).toBe(200);
  const keys = sources.body.sources.map((s) => Number(s.blob_key));
  const res = await fetch(
    `${h.url}/api/projects/@current/session_recordings/${recording.id}/snapshots/?source=blob_v2&start_blob_key=${Math.min(...keys)}&end_blob_key=${Math.max(...keys)}`,
    { headers: { authorization: `Bearer ${h.personalApiKey}` } },
  );
  expect(res.status).toBe(200);
  const stored = (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as [string, RrwebSent])[1]);
  expect(countBy(stored)).toEqual(sentTypes);
  // Also the URLs the session visited.
  const sessionsUrls = stored.filter((e) => e.type === 4).map((e) => (e as { data?: { href?: string } }).data?.href);
  expect(sessionsUrls).toEqual([`${pages.url}/`, `${pages.url}/checkout`]);
  expect(stored.map((e) => e.timestamp).sort()).toEqual(events.map((e) => e.timestamp).sort());
}, 150_000);
