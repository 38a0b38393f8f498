/** /api/projects/:id/event_definitions/ and /property_definitions/, computed from ingested events on chDB. */
import { startQueryHarness, type QueryHarness } from './query-harness';

let h: QueryHarness;
const EVENTS = '/api/projects/@current/event_definitions/';
const PROPERTIES = '/api/projects/@current/property_definitions/';

beforeAll(async () => {
  h = await startQueryHarness();
  const batch = [
    { event: '$pageview', distinct_id: 'u1', properties: { $browser: 'Chrome', $screen_width: 1440, is_beta: true, signup_at: '2026-01-02T10:00:00Z', $set: { plan: 'pro', seats: 3 } } },
    { event: '$pageview', distinct_id: 'u2', properties: { $browser: 'Firefox', $screen_width: 390.5, is_beta: false, signup_at: '2026-01-05' } },
    { event: 'purchase', distinct_id: 'u1', properties: { amount: 12.5, currency: 'EUR' } },
  ];
  const res = await fetch(`${h.platform.url}/batch/`, { method: 'POST', body: JSON.stringify({ api_key: h.platform.team.apiToken, batch }) });
  expect(res.status).toBe(200);
  await h.platform.flush();
}, 90_000);

afterAll(async () => {
  await h.stop();
});

const names = (body: { results: { name: string }[] }) => body.results.map((r) => r.name);

describe('event definitions', () => {
  it('lists the event names the project has seen, with volume and dates; search and pages', async () => {
    const res = await h.call(EVENTS);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ count: 2, next: null, previous: null });
    expect(res.body.results).toEqual([
      expect.objectContaining({ name: '$pageview', volume_30_day: 2, tags: [] }),
      expect.objectContaining({ name: 'purchase', volume_30_day: 1 }),
    ]);
    expect(Date.parse(res.body.results[0].last_seen_at)).toBeGreaterThan(0);
    expect(res.body.results[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(names((await h.call(`${EVENTS}?search=PURCH`)).body)).toEqual(['purchase']);
    const page = await h.call(`${EVENTS}?limit=1&offset=1`);
    expect(names(page.body)).toEqual(['purchase']);
    expect(page.body.previous).toContain('offset=0');
    const one = await h.call(`${EVENTS}${res.body.results[1].id}/`);
    expect(one.body.name).toBe('purchase');
    expect((await h.call(`${EVENTS}00000000-0000-0000-0000-000000000000/`)).status).toBe(404);
  });

  it("shows nothing of another project's events, and needs a personal key for the project", async () => {
    const other = await h.call(`/api/projects/${h.otherTeamId}/event_definitions/`, { key: h.otherTeamKey });
    expect(other.body).toMatchObject({ count: 0, results: [] });
    expect((await h.call(`/api/projects/${h.teamId}/event_definitions/`, { key: h.otherTeamKey })).status).toBe(403);
    expect((await h.call(EVENTS, { key: null })).status).toBe(401);
    expect((await h.call(PROPERTIES, { key: h.platform.team.apiToken })).status).toBe(401);
  });
});

describe('property definitions', () => {
  it('infers property types from the values seen', async () => {
    const res = await h.call(PROPERTIES);
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.results.map((r: { name: string }) => [r.name, r]));
    expect(byName.$browser).toMatchObject({ property_type: 'String', is_numerical: false, type: 1 });
    expect(byName.$screen_width).toMatchObject({ property_type: 'Numeric', is_numerical: true });
    expect(byName.is_beta).toMatchObject({ property_type: 'Boolean' });
    expect(byName.signup_at).toMatchObject({ property_type: 'DateTime' });
    expect(byName.amount).toMatchObject({ property_type: 'Numeric' });
    expect(byName.$set).toBeUndefined();
  });

  it('filters by search, is_numerical, properties and event_names', async () => {
    expect(names((await h.call(`${PROPERTIES}?search=brows`)).body)).toEqual(['$browser']);
    expect(names((await h.call(`${PROPERTIES}?is_numerical=true`)).body)).toEqual(expect.arrayContaining(['$screen_width', 'amount']));
    expect(names((await h.call(`${PROPERTIES}?is_numerical=true`)).body)).not.toContain('$browser');
    expect(names((await h.call(`${PROPERTIES}?properties=amount,currency`)).body)).toEqual(['amount', 'currency']);
    expect(names((await h.call(`${PROPERTIES}?properties=amount,currency&excluded_properties=${encodeURIComponent('["amount"]')}`)).body)).toEqual(['currency']);
    const onPurchase = await h.call(`${PROPERTIES}?event_names=${encodeURIComponent('["purchase"]')}&filter_by_event_names=true`);
    expect(names(onPurchase.body).filter((n) => !n.startsWith('$'))).toEqual(['amount', 'currency']);
    const ranked = await h.call(`${PROPERTIES}?event_names=${encodeURIComponent('["purchase"]')}`);
    const seen = ranked.body.results.map((r: { is_seen_on_filtered_events: boolean }) => r.is_seen_on_filtered_events);
    expect(seen).toEqual([...seen].sort((a, b) => Number(b) - Number(a)));
    expect(ranked.body.results.filter((r: { is_seen_on_filtered_events: boolean }) => r.is_seen_on_filtered_events).map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining(['amount', 'currency']),
    );
    expect(ranked.body.results.find((r: { name: string }) => r.name === 'is_beta').is_seen_on_filtered_events).toBe(false);
  });

  it('lists person properties from the persons on events', async () => {
    const res = await h.call(`${PROPERTIES}?type=person`);
    const byName = Object.fromEntries(res.body.results.map((r: { name: string }) => [r.name, r]));
    expect(byName.plan).toMatchObject({ property_type: 'String', type: 2 });
    expect(byName.seats).toMatchObject({ property_type: 'Numeric' });
    const one = await h.call(`${PROPERTIES}${byName.seats.id}/`);
    expect(one.body).toMatchObject({ name: 'seats', property_type: 'Numeric' });
    expect((await h.call(`${PROPERTIES}?type=group&group_type_index=0`)).body.count).toBe(0);
  });

  it('refuses bad parameters with 400 naming them', async () => {
    for (const [query, attr] of [
      ['type=cohort', 'type'],
      ['type=group', 'group_type_index'],
      ['type=group&group_type_index=7', 'group_type_index'],
      ['event_names=[1]', 'event_names'],
      ['event_names=[nope', 'event_names'],
      ['is_numerical=maybe', 'is_numerical'],
      ['limit=-1', undefined],
    ] as const) {
      const res = await h.call(`${PROPERTIES}?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      if (attr) expect(res.body.attr).toBe(attr);
    }
  });
});
