import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runPathsQuery } from '../../../lib/query/insights/paths';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, type FixtureEvent } from './fixtures';

let store: AnalyticsStore;

/*
 * Jan 2 2024 ("now" Jan 3 12:00, -7d):
 *   p1: /home 10:00, /pricing 10:01, /pricing 10:02 (repeat, collapses), /signup 10:05; /home 12:10 (a new session)
 *   p2: /home 10:00, /pricing 10:03, clicked 10:04, signed_up 10:06
 *   p3: /blog 10:00, /home 10:01, /signup 10:02
 */
const page = (person: number, url: string, at: string): FixtureEvent => ({ event: '$pageview', person, at: `2024-01-02 ${at}`, properties: { $current_url: url } });
const EVENTS: FixtureEvent[] = [
  page(1, '/home', '10:00:00'),
  page(1, '/pricing', '10:01:00'),
  page(1, '/pricing', '10:02:00'),
  page(1, '/signup', '10:05:00'),
  page(1, '/home', '12:10:00'),
  page(2, '/home', '10:00:00'),
  page(2, '/pricing', '10:03:00'),
  { event: 'clicked', person: 2, at: '2024-01-02 10:04:00' },
  { event: 'signed_up', person: 2, at: '2024-01-02 10:06:00' },
  page(3, '/blog', '10:00:00'),
  page(3, '/home', '10:01:00'),
  page(3, '/signup', '10:02:00'),
];

beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
});
afterAll(async () => {
  await store.close();
});

type Edge = { source: string; target: string; value: number; average_conversion_time: number };
const run = async (pathsFilter: Record<string, unknown> = {}) =>
  ((await runPathsQuery({ kind: 'PathsQuery', dateRange: { date_from: '-7d' }, pathsFilter }, makeContext(store, { now: '2024-01-03T12:00:00Z' }))) as { results: Edge[] }).results;
const edges = (list: Edge[]) => list.map((e) => `${e.source} > ${e.target}: ${e.value}`);

describe('PathsQuery', () => {
  it('pageview paths: weighted edges with average times', async () => {
    const result = await run();
    expect(edges(result)).toEqual(['1_/home > 2_/pricing: 2', '1_/blog > 2_/home: 1', '2_/home > 3_/signup: 1', '2_/pricing > 3_/signup: 1']);
    // p1 60 s, p2 180 s → 120 s; p1's /pricing (10:01) → /signup (10:05) 240 s.
    expect(result[0].average_conversion_time).toBe(120_000);
    expect(result[3].average_conversion_time).toBe(240_000);
  });

  it('cleans items: local cleaning filters, wildcard groupings, the project\'s filters with pathReplacements; bounds edge weights', async () => {
    // /pricing and /signup both become /<page>: p1's /pricing → /pricing → /signup collapses into one step.
    expect(edges(await run({ localPathCleaningFilters: [{ alias: '/<page>', regex: '^/(pricing|signup)$' }] }))).toEqual([
      '1_/home > 2_/<page>: 2',
      '1_/blog > 2_/home: 1',
      '2_/home > 3_/<page>: 1',
    ]);
    expect(edges(await run({ pathGroupings: ['/pr*', '/s*'] }))).toEqual(['1_/home > 2_/pr*: 2', '1_/blog > 2_/home: 1', '2_/home > 3_/s*: 1', '2_/pr* > 3_/s*: 1']);
    const ctx = { ...makeContext(store, { now: '2024-01-03T12:00:00Z' }), pathCleaningFilters: [{ alias: '/b', regex: '^/blog' }] };
    const withProject = async (pathsFilter: Record<string, unknown>) =>
      edges(((await runPathsQuery({ kind: 'PathsQuery', dateRange: { date_from: '-7d' }, pathsFilter }, ctx)) as { results: Edge[] }).results);
    expect(await withProject({ pathReplacements: true })).toContain('1_/b > 2_/home: 1');
    expect(await withProject({})).toContain('1_/blog > 2_/home: 1');
    expect(edges(await run({ minEdgeWeight: 2 }))).toEqual(['1_/home > 2_/pricing: 2']);
    expect(edges(await run({ maxEdgeWeight: 1 }))).toEqual(['1_/blog > 2_/home: 1', '2_/home > 3_/signup: 1', '2_/pricing > 3_/signup: 1']);
    for (const [filter, attr] of [
      [{ pathGroupings: '/x*' }, 'pathsFilter.pathGroupings'],
      [{ localPathCleaningFilters: [{ alias: 1, regex: 'x' }] }, 'pathsFilter.localPathCleaningFilters'],
      [{ minEdgeWeight: -1 }, 'pathsFilter.minEdgeWeight'],
    ] as const) {
      await expect(run(filter)).rejects.toMatchObject({ status: 400, attr });
    }
  });

  it('start point: paths begin at its first visit', async () => {
    expect(edges(await run({ startPoint: '/home' }))).toEqual(['1_/home > 2_/pricing: 2', '1_/home > 2_/signup: 1', '2_/pricing > 3_/signup: 1']);
  });

  it('end point: only paths that reach it, up to it', async () => {
    expect(edges(await run({ endPoint: '/signup' }))).toEqual(['1_/blog > 2_/home: 1', '1_/home > 2_/pricing: 1', '2_/home > 3_/signup: 1', '2_/pricing > 3_/signup: 1']);
  });

  it('step limit and custom events', async () => {
    expect(edges(await run({ stepLimit: 2 }))).toEqual(['1_/home > 2_/pricing: 2', '1_/blog > 2_/home: 1']);
    expect(edges(await run({ includeEventTypes: ['custom_event'] }))).toEqual(['1_clicked > 2_signed_up: 1']);
    expect(edges(await run({ includeEventTypes: ['$pageview', 'custom_event'], startPoint: '/pricing' }))).toEqual([
      '1_/pricing > 2_/signup: 1',
      '1_/pricing > 2_clicked: 1',
      '2_clicked > 3_signed_up: 1',
    ]);
  });
});
