/**
 * The real posthog-node from npm against a running Hedgerow (a separate `npm start` process):
 * capture, identify, alias, groupIdentify and personless events, read back through the
 * events and persons APIs.
 */
import { PostHog } from 'posthog-node';
import { api, eventually, startHedgerow, type RunningHedgerow } from '../support/hedgerow-process';

interface EventOut {
  id: string;
  event: string;
  distinct_id: string;
  timestamp: string;
  properties: Record<string, unknown>;
  person: { distinct_ids: string[]; properties: Record<string, unknown>; is_identified: boolean } | null;
}
interface PersonOut {
  id: string;
  distinct_ids: string[];
  properties: Record<string, unknown>;
  is_identified: boolean;
}

let h: RunningHedgerow;
let client: PostHog;

beforeAll(async () => {
  h = await startHedgerow();
  client = new PostHog(h.token, { host: h.url, flushAt: 1, flushInterval: 0 });
}, 120_000);

afterAll(async () => {
  await client?.shutdown();
  const code = await h?.stop();
  h?.removeData();
  expect(code).toBe(0);
});

const events = (query = '') => api<{ results: EventOut[] }>(h, `/api/projects/@current/events/?${query}`);
const persons = (query = '') => api<{ results: PersonOut[] }>(h, `/api/projects/@current/persons/?${query}`);

/** Sends through the SDK and waits until the event is queryable (so steps apply in order). */
async function send(step: () => void, event: string, distinctId: string): Promise<EventOut> {
  step();
  await client.flush();
  return eventually(async () => {
    const { body } = await events(`event=${encodeURIComponent(event)}&distinct_id=${encodeURIComponent(distinctId)}`);
    return body.results[0];
  });
}

describe('posthog-node against a running Hedgerow', () => {
  it('captures an anonymous event with person properties', async () => {
    const e = await send(() => client.capture({ distinctId: 'anon-123', event: 'viewed pricing', properties: { plan_viewed: 'pro', $set: { plan: 'free', color: 'red' } } }), 'viewed pricing', 'anon-123');
    expect(e.properties).toMatchObject({ plan_viewed: 'pro', $lib: 'posthog-node' });
    expect(e.properties.$ip).toBeDefined();
    expect(e.person?.properties).toMatchObject({ plan: 'free', color: 'red' });
  });

  it('identifies a user', async () => {
    const e = await send(() => client.identify({ distinctId: 'user-1', properties: { email: 'ada@example.com', plan: 'pro', $set_once: { first_seen: 'today' } } }), '$identify', 'user-1');
    expect(e.person?.properties).toMatchObject({ email: 'ada@example.com', plan: 'pro', first_seen: 'today' });
    expect(e.person?.is_identified).toBe(true);
  });

  it('aliases the anonymous id into the user: one person with both ids, the user side winning', async () => {
    await send(() => client.alias({ distinctId: 'user-1', alias: 'anon-123' }), '$create_alias', 'user-1');
    const { body } = await persons('distinct_id=anon-123');
    expect(body.results).toHaveLength(1);
    const person = body.results[0];
    expect(person.distinct_ids).toEqual(['anon-123', 'user-1']);
    expect(person.properties).toMatchObject({ email: 'ada@example.com', plan: 'pro', color: 'red', first_seen: 'today' });
    expect(person.is_identified).toBe(true);
    const byUser = await persons('distinct_id=user-1');
    expect(byUser.body.results[0].id).toBe(person.id);
  });

  it('identifies a group and attaches it to events', async () => {
    await send(() => client.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { name: 'Acme Inc' } }), '$groupidentify', '$company_acme');
    const e = await send(() => client.capture({ distinctId: 'user-1', event: 'purchase', properties: { price: 10 }, groups: { company: 'acme' } }), 'purchase', 'user-1');
    expect(e.properties).toMatchObject({ price: 10, $groups: { company: 'acme' }, $group_0: 'acme' });
    expect(e.person?.distinct_ids).toEqual(['anon-123', 'user-1']);
  });

  it('keeps personless events free of persons', async () => {
    const e = await send(() => client.capture({ distinctId: 'ghost-9', event: 'no_person', properties: { $process_person_profile: false } }), 'no_person', 'ghost-9');
    expect(e.person).toBeNull();
    expect((await persons('distinct_id=ghost-9')).body.results).toEqual([]);
  });

  it('lists events newest first with working filters and pagination', async () => {
    const all = (await events()).body.results;
    expect(all.length).toBeGreaterThanOrEqual(6);
    const times = all.map((e) => e.timestamp);
    expect(times).toEqual([...times].sort().reverse());
    const page = await api<{ results: EventOut[]; next: string | null }>(h, '/api/projects/@current/events/?limit=2');
    expect(page.body.results).toHaveLength(2);
    expect(page.body.next).toContain('before=');
    const rest = await api<{ results: EventOut[] }>(h, page.body.next!);
    expect(rest.body.results[0].timestamp < page.body.results[1].timestamp).toBe(true);
    const onlyUser = (await events('distinct_id=user-1')).body.results;
    expect(new Set(onlyUser.map((e) => e.distinct_id))).toEqual(new Set(['user-1']));
    const after = (await events(`after=${encodeURIComponent(times[1])}`)).body.results;
    expect(after.map((e) => e.id)).toEqual([all[0].id]);
  });
});
