/**
 * A static cohort made through the cohorts API filters insights: its members reach ClickHouse
 * (person_static_cohort) on create, CSV upload, removal and a static → dynamic → static round
 * trip — on the local platform (PGlite, chDB, ingestion) in this process.
 */
import { createTeam } from '../../lib/accounts/accounts-repository';
import { insertCohort } from '../../lib/flags/cohort-repository';
import type { LocalPlatform } from '../../lib/platform/local-platform';
import { startTestPlatform } from '../support/local-platform';

let platform: LocalPlatform;
const COHORTS = '/api/projects/@current/cohorts/';

async function call(pathAndQuery: string, init: RequestInit = {}) {
  const res = await fetch(`${platform.url}${pathAndQuery}`, {
    ...init,
    headers: { authorization: `Bearer ${platform.personalApiKey}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const send = (method: string, pathAndQuery: string, body: unknown) => call(pathAndQuery, { method, body: JSON.stringify(body) });

/** $pageview events per day (Jan 1–3 2024) of the persons in cohort `id`, computed afresh. */
async function pageviewsInCohort(id: number): Promise<number[]> {
  const query = {
    kind: 'TrendsQuery',
    series: [{ kind: 'EventsNode', event: '$pageview' }],
    dateRange: { date_from: '2024-01-01', date_to: '2024-01-03' },
    properties: [{ key: 'id', value: id, type: 'cohort' }],
  };
  const res = await send('POST', '/api/projects/@current/query/', { query, refresh: 'force_blocking' });
  expect(res.status).toBe(200);
  return res.body.results[0].data;
}

/*
 * $pageview: alice Jan 1 (twice) and Jan 3, bob Jan 1, carol Jan 2.
 */
beforeAll(async () => {
  platform = await startTestPlatform('hedgerow-static-cohort-insights-');
  const pv = (distinct_id: string, timestamp: string) => ({ event: '$pageview', distinct_id, timestamp, properties: {} });
  const batch = [pv('alice', '2024-01-01T10:00:00Z'), pv('alice', '2024-01-01T11:00:00Z'), pv('alice', '2024-01-03T10:00:00Z'), pv('bob', '2024-01-01T12:00:00Z'), pv('carol', '2024-01-02T09:00:00Z')];
  const res = await fetch(`${platform.url}/batch/`, { method: 'POST', body: JSON.stringify({ api_key: platform.team.apiToken, batch }) });
  expect(res.status).toBe(200);
  await platform.flush();
}, 60_000);

afterAll(async () => {
  await platform.stop();
});

it('an insight filtered on a static cohort follows its members through the API', async () => {
  const created = await send('POST', COHORTS, { name: 'Uploaded', is_static: true, distinct_ids: ['alice', 'carol', 'nobody'] });
  expect(created.status).toBe(201);
  const id = created.body.id;
  expect(await pageviewsInCohort(id)).toEqual([2, 1, 1]);

  // The same ids again (PostHog's add_persons action, by uuid): nothing counts twice.
  const members = (await call(`${COHORTS}${id}/persons/`)).body.results as { uuid: string; distinct_ids: string[] }[];
  const uuidOf = (d: string) => members.find((m) => m.distinct_ids.includes(d))!.uuid;
  expect((await send('PATCH', `${COHORTS}${id}/add_persons_to_static_cohort/`, { person_ids: [uuidOf('alice'), uuidOf('carol')] })).status).toBe(200);
  expect(await pageviewsInCohort(id)).toEqual([2, 1, 1]);

  // A CSV upload adds bob; removing carol takes her events out.
  const form = new FormData();
  form.append('csv', new Blob(['distinct_id\nbob\n'], { type: 'text/csv' }), 'ids.csv');
  const upload = await fetch(`${platform.url}${COHORTS}${id}/`, { method: 'PATCH', body: form, headers: { authorization: `Bearer ${platform.personalApiKey}` } });
  expect(upload.status).toBe(200);
  expect(await pageviewsInCohort(id)).toEqual([3, 1, 1]);
  expect((await send('PATCH', `${COHORTS}${id}/remove_person_from_static_cohort/`, { person_id: uuidOf('carol') })).status).toBe(200);
  expect(await pageviewsInCohort(id)).toEqual([3, 0, 1]);

  // Dynamic, the cohort loses its members (Postgres and ClickHouse); static again, it starts empty.
  const dynamic = { is_static: false, filters: { properties: { type: 'AND', values: [{ key: 'email', type: 'person', value: 'x', operator: 'is_set' }] } } };
  expect((await send('PATCH', `${COHORTS}${id}/`, dynamic)).status).toBe(200);
  expect((await send('PATCH', `${COHORTS}${id}/`, { is_static: true })).body.count).toBe(0);
  expect(await pageviewsInCohort(id)).toEqual([0, 0, 0]);
});

it('a ClickHouse failure rolls the member change back in Postgres', async () => {
  const created = await send('POST', COHORTS, { name: 'Fragile', is_static: true, distinct_ids: ['alice'] });
  const store = platform.store;
  const insert = store.insert.bind(store);
  store.insert = async (table, rows, options) => {
    if (table === 'person_static_cohort') throw new Error('ClickHouse is away');
    return insert(table, rows, options);
  };
  try {
    expect((await send('PATCH', `${COHORTS}${created.body.id}/`, { distinct_ids: ['bob'] })).status).toBe(500);
  } finally {
    store.insert = insert;
  }
  expect((await call(`${COHORTS}${created.body.id}/`)).body.count).toBe(1);
  expect(await pageviewsInCohort(created.body.id)).toEqual([2, 0, 1]);
});

it("another project's static cohort is not found from this one", async () => {
  const other = await createTeam(platform.db, { organizationId: platform.team.organizationId, name: 'Second' });
  const theirs = await insertCohort(platform.db, other.id, { name: 'Theirs', description: '', filters: null, is_static: true, deleted: false }, null);
  // Rows of the other project under that cohort id, naming our persons: never read for our team.
  const persons = (await call('/api/projects/@current/persons/')).body.results as { uuid: string }[];
  await platform.store.insert('person_static_cohort', persons.map((p) => ({ team_id: other.id, cohort_id: theirs.id, person_id: p.uuid, is_deleted: 0, version: 1 })));
  const res = await send('POST', '/api/projects/@current/query/', {
    query: { kind: 'TrendsQuery', series: [{ kind: 'EventsNode', event: '$pageview' }], properties: [{ key: 'id', value: theirs.id, type: 'cohort' }] },
  });
  expect(res.status).toBe(400);
  expect(res.body.detail).toContain(`cohort ${theirs.id} does not exist`);
});
