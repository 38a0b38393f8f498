import { loadHogQLParser } from '../../lib/hogql/parse';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { DEFAULT_QUERY_LIMITS, type QueryContext } from '../../lib/query/types';

export const TEAM = 1;
export const OTHER_TEAM = 2;
export const NOW = new Date('2024-01-10T12:00:00Z');
export const PERSON_A = '00000000-0000-4000-8000-00000000000a';
export const PERSON_B = '00000000-0000-4000-8000-00000000000b';
export const PERSON_X = '00000000-0000-4000-8000-0000000000ff';

interface EventSpec {
  team: number;
  event: string;
  at: string;
  distinct: string;
  person: string;
  props?: Record<string, unknown>;
  personProps?: Record<string, unknown>;
}

/** Team 1: 5 events over 2 persons; team 2: 3 events, all carrying the marker `secret`. */
export const EVENTS: EventSpec[] = [
  { team: TEAM, event: '$pageview', at: '2024-01-10 10:00:00', distinct: 'a', person: PERSON_A, props: { $browser: 'Chrome', n: 5, $session_id: 's1' }, personProps: { email: 'a@x.com' } },
  { team: TEAM, event: '$pageview', at: '2024-01-10 11:00:00', distinct: 'a', person: PERSON_A, props: { $browser: 'Firefox', n: 12, $session_id: 's1' }, personProps: { email: 'a@x.com' } },
  { team: TEAM, event: 'signed_up', at: '2024-01-09 09:00:00', distinct: 'b', person: PERSON_B, props: { $browser: 'Chrome', plan: 'pro' }, personProps: { email: 'b@y.com' } },
  { team: TEAM, event: '$pageview', at: '2024-01-05 08:00:00', distinct: 'b', person: PERSON_B, props: { $browser: 'Safari', n: 1 }, personProps: { email: 'b@y.com' } },
  { team: TEAM, event: 'quote\'s "event"', at: '2024-01-10 11:30:00', distinct: 'b', person: PERSON_B, props: { text: "it's \\ tricky" } },
  { team: OTHER_TEAM, event: 'secret', at: '2024-01-10 10:30:00', distinct: 'x', person: PERSON_X, props: { $browser: 'Chrome', secret: 'yes' }, personProps: { email: 'x@other.com' } },
  { team: OTHER_TEAM, event: 'secret', at: '2024-01-09 10:30:00', distinct: 'a', person: PERSON_X, props: { secret: 'yes' } },
  { team: OTHER_TEAM, event: '$pageview', at: '2024-01-10 11:59:00', distinct: 'x', person: PERSON_X, props: { secret: 'yes', $browser: 'Chrome' } },
];

export async function seed(store: AnalyticsStore): Promise<void> {
  await store.insert(
    'events',
    EVENTS.map((e, i) => ({
      uuid: `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`,
      event: e.event,
      properties: JSON.stringify(e.props ?? {}),
      timestamp: e.at,
      team_id: e.team,
      distinct_id: e.distinct,
      elements_chain: '',
      created_at: e.at,
      person_id: e.person,
      person_created_at: '2024-01-01 00:00:00',
      person_properties: JSON.stringify(e.personProps ?? {}),
      person_mode: 'full',
    })),
  );
  await store.insert('person', [
    { id: PERSON_A, created_at: '2024-01-01 00:00:00', team_id: TEAM, properties: '{"email":"old@x.com"}', is_identified: 0, version: 0 },
    { id: PERSON_A, created_at: '2024-01-01 00:00:00', team_id: TEAM, properties: '{"email":"a@x.com"}', is_identified: 1, version: 1 },
    { id: PERSON_B, created_at: '2024-01-02 00:00:00', team_id: TEAM, properties: '{"email":"b@y.com"}', is_identified: 0, version: 0 },
    { id: PERSON_X, created_at: '2024-01-03 00:00:00', team_id: OTHER_TEAM, properties: '{"email":"x@other.com"}', is_identified: 1, version: 0 },
  ]);
  await loadHogQLParser();
}

export function context(store: AnalyticsStore, teamId = TEAM): QueryContext {
  return {
    teamId,
    timezone: 'UTC',
    now: NOW,
    store,
    limits: DEFAULT_QUERY_LIMITS,
    loadAction: async () => undefined,
    loadCohort: async () => undefined,
    groupTypes: new Map(),
  };
}
