/**
 * Small hand-made event sets for the insight runner tests, and a QueryContext over chDB with
 * a fixed "now". Times are UTC unless a test says otherwise.
 */
import type { Cohort } from '../../../lib/flags/types';
import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { type ActionDefinition, DEFAULT_QUERY_LIMITS, type QueryContext } from '../../../lib/query/types';

export const TEAM = 1;
export const OTHER_TEAM = 2;

export interface FixtureEvent {
  event: string;
  /** Person number (1 → uuid ...0001) or a uuid. */
  person: number;
  /** `2024-01-03 10:00:00` (UTC). */
  at: string;
  properties?: Record<string, unknown>;
  personProperties?: Record<string, unknown>;
  /** Person created at (default 2024-01-01 00:00:00). */
  personCreatedAt?: string;
  team?: number;
  session?: string;
  groups?: Partial<Record<0 | 1 | 2 | 3 | 4, string>>;
  groupProperties?: Partial<Record<0 | 1 | 2 | 3 | 4, Record<string, unknown>>>;
  elementsChain?: string;
}

export const personId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export async function insertEvents(store: AnalyticsStore, events: readonly FixtureEvent[]): Promise<void> {
  let seq = 0;
  const rows = events.map((e) => {
    const properties: Record<string, unknown> = { ...e.properties };
    if (e.session) properties.$session_id = e.session;
    for (const [i, key] of Object.entries(e.groups ?? {})) properties[`$group_${i}`] = key;
    const row: Record<string, unknown> = {
      uuid: `10000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
      event: e.event,
      properties: JSON.stringify(properties),
      timestamp: e.at,
      team_id: e.team ?? TEAM,
      distinct_id: `d${e.person}`,
      elements_chain: e.elementsChain ?? '',
      created_at: e.at,
      person_id: personId(e.person),
      person_created_at: e.personCreatedAt ?? '2024-01-01 00:00:00',
      person_properties: JSON.stringify(e.personProperties ?? {}),
      person_mode: 'full',
    };
    for (const [i, props] of Object.entries(e.groupProperties ?? {})) row[`group${i}_properties`] = JSON.stringify(props);
    return row;
  });
  await store.insert('events', rows);
}

export async function insertPersons(store: AnalyticsStore, persons: readonly { n: number; properties: Record<string, unknown>; createdAt?: string; team?: number }[]): Promise<void> {
  await store.insert(
    'person',
    persons.map((p) => ({
      id: personId(p.n),
      created_at: p.createdAt ?? '2024-01-01 00:00:00',
      team_id: p.team ?? TEAM,
      properties: JSON.stringify(p.properties),
      is_identified: 1,
      is_deleted: 0,
      version: 1,
    })),
  );
}

export function makeContext(store: AnalyticsStore, options: { now: string; timezone?: string; actions?: ActionDefinition[]; cohorts?: Cohort[] }): QueryContext {
  return {
    teamId: TEAM,
    timezone: options.timezone ?? 'UTC',
    now: new Date(options.now),
    store,
    limits: DEFAULT_QUERY_LIMITS,
    loadAction: async (id) => options.actions?.find((a) => a.id === id && a.team_id === TEAM),
    loadCohort: async (id) => options.cohorts?.find((c) => c.id === id && c.team_id === TEAM),
    groupTypes: new Map([[0, 'organization']]),
  };
}

export async function resetEvents(store: AnalyticsStore): Promise<void> {
  await store.command('TRUNCATE TABLE events');
  await store.command('TRUNCATE TABLE person');
}
