import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runActorsQuery } from '../../../lib/query/insights/actors';
import { runFunnelsQuery } from '../../../lib/query/insights/funnels';
import { runLifecycleQuery } from '../../../lib/query/insights/lifecycle';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, personId, TEAM, type FixtureEvent } from './fixtures';

let store: AnalyticsStore;

/*
 * "now" 2024-01-04 12:00 UTC, -3d daily → buckets Jan 1..4 (Dec 31 is the "previous" of Jan 1).
 * Organizations (group type 0) and their $pageviews (persons differ; persons don't matter here):
 *   org-a created Jan 1: Jan 1 (p1), Jan 2 (p2)  → Jan 1 new, Jan 2 returning, Jan 3 dormant
 *   org-b created Dec 1: Dec 31, Jan 2 ×2 (p3)   → Jan 1 dormant, Jan 2 resurrecting, Jan 3 dormant
 *   org-c created Jan 3: Jan 3 (p1), Jan 4 (p4)  → Jan 3 new, Jan 4 returning
 *   org-d not in the groups table: Jan 2 (p4)   → Jan 2 resurrecting (never new), Jan 3 dormant
 *   p5's Jan 1 pageview has no organization: never an actor.
 * org-a also purchased on Jan 2 (p2, before p2's pageview): as a group it converts $pageview → purchase.
 */
const pv = (person: number, at: string, org?: string): FixtureEvent => ({ event: '$pageview', person, at, ...(org ? { groups: { 0: org } } : {}) });
const EVENTS: FixtureEvent[] = [
  pv(1, '2024-01-01 10:00:00', 'org-a'),
  pv(5, '2024-01-01 11:00:00'),
  { event: 'purchase', person: 2, at: '2024-01-02 09:00:00', groups: { 0: 'org-a' } },
  pv(2, '2024-01-02 10:00:00', 'org-a'),
  pv(3, '2023-12-31 10:00:00', 'org-b'),
  pv(3, '2024-01-02 10:00:00', 'org-b'),
  pv(3, '2024-01-02 11:00:00', 'org-b'),
  pv(4, '2024-01-02 12:00:00', 'org-d'),
  pv(1, '2024-01-03 10:00:00', 'org-c'),
  pv(4, '2024-01-04 10:00:00', 'org-c'),
];
const group = (key: string, createdAt: string, properties: Record<string, unknown>, version = 1) => ({
  group_type_index: 0,
  group_key: key,
  created_at: createdAt,
  team_id: TEAM,
  group_properties: JSON.stringify(properties),
  version,
});
const GROUPS = [
  group('org-a', '2024-01-01 08:00:00', { name: 'Old name' }, 1),
  group('org-a', '2024-01-01 08:00:00', { name: 'Acme', industry: 'tech' }, 2),
  group('org-b', '2023-12-01 00:00:00', { name: 'Beta' }),
  group('org-c', '2024-01-03 09:00:00', { name: 'Gamma' }),
  // Same key, another group type: must not leak into type 0.
  { ...group('org-d', '2023-01-01 00:00:00', { name: 'Project D' }), group_type_index: 1 },
];

beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
  await store.insert('groups', GROUPS);
});
afterAll(async () => {
  await store.close();
});

const ctx = () => makeContext(store, { now: '2024-01-04T12:00:00Z' });
const range = { date_from: '-3d' };
const lifecycle = { kind: 'LifecycleQuery', series: [{ kind: 'EventsNode', event: '$pageview' }], dateRange: range, interval: 'day', aggregation_group_type_index: 0 };
type Row = (Record<string, unknown> & { id: string })[];
const actors = async (source: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ((await runActorsQuery({ kind: 'ActorsQuery', source: { kind: 'InsightActorsQuery', source, ...extra } }, ctx())) as { results: Row[] }).results;
const keys = async (source: Record<string, unknown>, extra: Record<string, unknown> = {}) => (await actors(source, extra)).map((r) => r[0].id);

describe('LifecycleQuery of groups', () => {
  it('classifies organizations by their groups-table created_at', async () => {
    const { results } = (await runLifecycleQuery(lifecycle, ctx())) as { results: { status: string; data: number[] }[] };
    expect(Object.fromEntries(results.map((r) => [r.status, r.data]))).toEqual({
      new: [1, 0, 1, 0],
      returning: [0, 1, 0, 1],
      resurrecting: [0, 2, 0, 0],
      dormant: [-1, 0, -3, 0],
    });
  });

  it('lists the groups of a status and day, in PostHog group actor shape', async () => {
    const rows = await actors(lifecycle, { day: '2024-01-03', status: 'dormant' });
    expect(rows.map((r) => r[0].id)).toEqual(['org-a', 'org-b', 'org-d']);
    expect(rows[0][0]).toEqual({
      id: 'org-a',
      type: 'group',
      group_key: 'org-a',
      group_type_index: 0,
      created_at: '2024-01-01T08:00:00.000Z',
      group_properties: { name: 'Acme', industry: 'tech' },
      properties: { name: 'Acme', industry: 'tech' },
    });
    // Never identified as an organization (its row is of group type 1): no properties, no created_at.
    expect(rows[2][0]).toEqual({ id: 'org-d', type: 'group', group_key: 'org-d', group_type_index: 0, created_at: null, group_properties: {}, properties: {} });
    expect(await keys(lifecycle, { day: '2024-01-03', status: 'new' })).toEqual(['org-c']);
  });
});

describe('ActorsQuery over insights aggregated by group', () => {
  const trends = (series: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ kind: 'TrendsQuery', dateRange: range, interval: 'day', series: [series], ...extra });

  it('trends with math unique_group: the groups of the day, busiest first', async () => {
    const rows = (await runActorsQuery(
      { kind: 'ActorsQuery', select: ['group', 'event_count'], source: { kind: 'InsightActorsQuery', day: '2024-01-02', source: trends({ kind: 'EventsNode', event: '$pageview', math: 'unique_group', math_group_type_index: 0 }) } },
      ctx(),
    )) as { results: [Record<string, unknown>, number][]; columns: string[] };
    expect(rows.columns).toEqual(['group', 'event_count']);
    expect(rows.results.map(([g, n]) => [g.group_key, n])).toEqual([
      ['org-b', 2],
      ['org-a', 1],
      ['org-d', 1],
    ]);
  });

  it('trends with aggregation_group_type_index: groups, not persons (p5 had no organization)', async () => {
    const source = trends({ kind: 'EventsNode', event: '$pageview', math: 'dau' }, { aggregation_group_type_index: 0 });
    expect(await keys(source, { day: '2024-01-01' })).toEqual(['org-a']);
    expect(await keys({ ...source, aggregation_group_type_index: undefined }, { day: '2024-01-01' })).toEqual([personId(1), personId(5)].sort());
  });

  it('funnels aggregated by group: org-a converts though no one person did both steps', async () => {
    const funnel = { kind: 'FunnelsQuery', dateRange: range, series: [{ kind: 'EventsNode', event: '$pageview' }, { kind: 'EventsNode', event: 'purchase' }], aggregation_group_type_index: 0 };
    const step = async (funnelStep: number) =>
      ((await runActorsQuery({ kind: 'ActorsQuery', source: { kind: 'FunnelsActorsQuery', source: funnel, funnelStep } }, ctx())) as { results: Row[] }).results.map((r) => r[0].id).sort();
    expect(await step(2)).toEqual(['org-a']);
    expect(await step(1)).toEqual(['org-a', 'org-b', 'org-c', 'org-d']);
    expect(await step(-2)).toEqual(['org-b', 'org-c', 'org-d']);
    // The funnel itself counts the same groups (p5's pageview without an organization is no group).
    const { results } = (await runFunnelsQuery(funnel, ctx())) as { results: { count: number }[] };
    expect(results.map((r) => r.count)).toEqual([4, 1]);
  });

  it('stickiness by group: organizations active on exactly one day of the range', async () => {
    const stickiness = { kind: 'StickinessQuery', dateRange: range, interval: 'day', series: [{ kind: 'EventsNode', event: '$pageview' }], aggregation_group_type_index: 0 };
    expect((await keys(stickiness, { day: 1 })).sort()).toEqual(['org-b', 'org-d']);
  });
});
