/**
 * The real posthog-js (served by Hedgerow from the npm package's dist) in headless Chromium,
 * on a page of another origin: remote config, events through /i/v0/e/, identify, and feature
 * flags with payloads from /flags, with $feature_flag_called coming back through capture.
 */
import type { Browser } from 'playwright-core';
import { launchChromium, posthogPage, startPageServer } from '../support/browser';
import { api, eventually, startHedgerow, type RunningHedgerow } from '../support/hedgerow-process';

interface EventOut {
  event: string;
  distinct_id: string;
  properties: Record<string, unknown>;
  person: { distinct_ids: string[]; properties: Record<string, unknown> } | null;
}

let h: RunningHedgerow;
let browser: Browser;
let pages: { url: string; close(): Promise<void> };

beforeAll(async () => {
  h = await startHedgerow();
  for (const body of [
    { key: 'beta', filters: { groups: [{ properties: [], rollout_percentage: 100 }], payloads: { true: '{"limit":3}' } } },
    { key: 'multi', filters: { groups: [{ properties: [], rollout_percentage: 100 }], multivariate: { variants: [{ key: 'a', rollout_percentage: 0 }, { key: 'b', rollout_percentage: 100 }] } } },
    { key: 'for-ada', filters: { groups: [{ properties: [{ key: 'email', type: 'person', value: 'ada@example.com', operator: 'exact' }], rollout_percentage: 100 }] } },
  ]) {
    expect((await api(h, '/api/projects/@current/feature_flags/', { method: 'POST', body: JSON.stringify(body) })).status).toBe(201);
  }
  pages = await startPageServer({
    '/': posthogPage({
      apiHost: h.url,
      token: h.token,
      init: { person_profiles: 'identified_only' },
      script: `
        window.results = {};
        posthog.onFeatureFlags(function () {
          window.results.beta = posthog.isFeatureEnabled('beta');
          window.results.payload = posthog.getFeatureFlagPayload('beta');
          window.results.multi = posthog.getFeatureFlag('multi');
          window.results.flagsLoaded = true;
        });
        posthog.capture('test_event', { foo: 'bar' });`,
    }),
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await h?.stop();
  h?.removeData();
});

const events = async (query: string) => (await api<{ results: EventOut[] }>(h, `/api/projects/@current/events/?${query}`)).body.results;

it('captures, identifies and evaluates flags from a real page', async () => {
  const page = await browser.newPage();
  const failures: string[] = [];
  page.on('requestfailed', (r) => failures.push(`${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  await page.goto(pages.url);
  await page.waitForFunction(() => (window as unknown as { results: { flagsLoaded?: boolean } }).results.flagsLoaded === true, undefined, { timeout: 20_000 });
  const results = await page.evaluate(() => (window as unknown as { results: Record<string, unknown> }).results);
  expect(results).toMatchObject({ beta: true, payload: { limit: 3 }, multi: 'b' });

  await page.evaluate(() => {
    const ph = (window as unknown as { posthog: { identify(id: string, set: object): void; reloadFeatureFlags(): void } }).posthog;
    ph.identify('ada', { email: 'ada@example.com' });
  });
  await page.waitForFunction(
    () => (window as unknown as { posthog: { isFeatureEnabled(k: string): boolean } }).posthog.isFeatureEnabled('for-ada') === true,
    undefined,
    { timeout: 20_000 },
  );
  await page.close({ runBeforeUnload: true });

  const [testEvent] = await eventually(async () => {
    const found = await events('event=test_event');
    return found.length ? found : undefined;
  });
  expect(testEvent.properties).toMatchObject({ foo: 'bar', $lib: 'web', token: h.token });
  const identify = await eventually(async () => (await events('event=$identify&distinct_id=ada'))[0]);
  expect(identify.person?.distinct_ids).toContain('ada');
  expect(identify.person?.distinct_ids).toContain(testEvent.distinct_id);
  expect(identify.person?.properties).toMatchObject({ email: 'ada@example.com' });
  const called = await eventually(async () => {
    const found = await events('event=$feature_flag_called');
    return found.length ? found : undefined;
  });
  expect(called.map((e) => e.properties.$feature_flag)).toEqual(expect.arrayContaining(['beta']));
  expect(failures).toEqual([]);
}, 120_000);
