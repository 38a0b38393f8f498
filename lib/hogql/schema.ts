/**
 * The tables a HogQL query may name, and how each reaches ClickHouse: always as a subquery
 * over the physical table constrained to the caller's team (`team_id = <teamId>`), deduplicated
 * where the table is versioned. No other physical table name is ever printed.
 */
import { SESSION_PROPERTIES, sessionsSubquery } from '../clickhouse/sessions';
import { staticCohortPeopleSql } from '../clickhouse/static-cohort-members';

/** A field of a HogQL table: a column of the wrapped subquery, a JSON properties column, or a virtual object. */
export type HogQLField =
  | { readonly kind: 'column'; readonly column: string; readonly datetime?: boolean }
  | { readonly kind: 'json'; readonly column: string }
  /** `person.id`, `person.properties.x`: a named object whose members are fields. */
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, HogQLField>> };

export interface HogQLTable {
  readonly name: string;
  readonly fields: Readonly<Record<string, HogQLField>>;
  /** What `*` expands to. */
  readonly asterisk: readonly string[];
  /** The subquery over the physical table for one team (`sample`: a SAMPLE clause or ''). */
  wrap(teamId: number, sample: string): string;
}

const column = (name: string, datetime = false): HogQLField => ({ kind: 'column', column: name, datetime });
const json = (name: string): HogQLField => ({ kind: 'json', column: name });
const object = (fields: Record<string, HogQLField>): HogQLField => ({ kind: 'object', fields });

function teamId(team: number): string {
  if (!Number.isSafeInteger(team) || team < 0) throw new RangeError(`Not a team id: ${team}`);
  return String(team);
}

const EVENT_COLUMNS = [
  'uuid', 'event', 'properties', 'timestamp', 'distinct_id', 'elements_chain', 'created_at', 'person_id', 'person_created_at',
  'person_properties', '$session_id', '$window_id',
  ...[0, 1, 2, 3, 4].flatMap((i) => [`$group_${i}`, `group${i}_properties`, `group${i}_created_at`]),
];

const groupObject = (i: number) =>
  object({ key: column(`$group_${i}`), index: column(`$group_${i}`), properties: json(`group${i}_properties`), created_at: column(`group${i}_created_at`, true) });

const personObject = object({ id: column('person_id'), properties: json('person_properties'), created_at: column('person_created_at', true) });

export const EVENTS_TABLE: HogQLTable = {
  name: 'events',
  fields: {
    uuid: column('uuid'),
    event: column('event'),
    properties: json('properties'),
    timestamp: column('timestamp', true),
    distinct_id: column('distinct_id'),
    elements_chain: column('elements_chain'),
    created_at: column('created_at', true),
    $session_id: column('$session_id'),
    $window_id: column('$window_id'),
    person_id: column('person_id'),
    person_properties: json('person_properties'),
    person_created_at: column('person_created_at', true),
    person: personObject,
    poe: personObject,
    session: object({ id: column('$session_id'), session_id: column('$session_id') }),
    ...Object.fromEntries([0, 1, 2, 3, 4].flatMap((i) => [
      [`$group_${i}`, column(`$group_${i}`)],
      [`group_${i}`, groupObject(i)],
      [`group${i}_properties`, json(`group${i}_properties`)],
    ])),
  },
  asterisk: ['uuid', 'event', 'properties', 'timestamp', 'distinct_id', 'elements_chain', 'created_at', '$session_id', '$window_id', 'person_id',
    '$group_0', '$group_1', '$group_2', '$group_3', '$group_4'],
  wrap: (team, sample) =>
    `SELECT ${EVENT_COLUMNS.map((c) => `\`${c}\``).join(', ')} FROM events${sample} WHERE team_id = ${teamId(team)}`,
};

export const PERSONS_TABLE: HogQLTable = {
  name: 'persons',
  fields: { id: column('id'), properties: json('properties'), created_at: column('created_at', true), is_identified: column('is_identified') },
  asterisk: ['id', 'properties', 'created_at', 'is_identified'],
  wrap: (team, sample) =>
    `SELECT id, argMax(properties, version) AS properties, argMax(created_at, version) AS created_at, ` +
    `argMax(is_identified, version) AS is_identified FROM person${sample} WHERE team_id = ${teamId(team)} ` +
    `GROUP BY id HAVING argMax(is_deleted, version) = 0`,
};

export const PERSON_DISTINCT_IDS_TABLE: HogQLTable = {
  name: 'person_distinct_ids',
  fields: { distinct_id: column('distinct_id'), person_id: column('person_id') },
  asterisk: ['distinct_id', 'person_id'],
  wrap: (team, sample) =>
    `SELECT distinct_id, argMax(person_id, version) AS person_id FROM person_distinct_id2${sample} WHERE team_id = ${teamId(team)} ` +
    `GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0`,
};

export const GROUPS_TABLE: HogQLTable = {
  name: 'groups',
  fields: { index: column('index'), key: column('key'), properties: json('properties'), created_at: column('created_at', true) },
  asterisk: ['index', 'key', 'properties', 'created_at'],
  wrap: (team, sample) =>
    `SELECT group_type_index AS index, group_key AS key, argMax(group_properties, version) AS properties, ` +
    `argMax(created_at, version) AS created_at FROM groups${sample} WHERE team_id = ${teamId(team)} GROUP BY group_type_index, group_key`,
};

const REPLAY_SUMS = ['click_count', 'keypress_count', 'mouse_activity_count', 'active_milliseconds', 'console_log_count',
  'console_warn_count', 'console_error_count', 'size', 'message_count', 'event_count'];

export const SESSION_REPLAY_EVENTS_TABLE: HogQLTable = {
  name: 'session_replay_events',
  fields: {
    session_id: column('session_id'),
    distinct_id: column('distinct_id'),
    min_first_timestamp: column('min_first_timestamp', true),
    max_last_timestamp: column('max_last_timestamp', true),
    first_url: column('first_url'),
    all_urls: column('all_urls'),
    ...Object.fromEntries(REPLAY_SUMS.map((c) => [c, column(c)])),
  },
  asterisk: ['session_id', 'distinct_id', 'min_first_timestamp', 'max_last_timestamp', 'first_url', ...REPLAY_SUMS],
  wrap: (team, sample) =>
    `SELECT session_id, any(distinct_id) AS distinct_id, min(min_first_timestamp) AS min_first_timestamp, ` +
    `max(max_last_timestamp) AS max_last_timestamp, argMinMerge(first_url) AS first_url, ` +
    `groupUniqArrayArray(all_urls) AS all_urls, ${REPLAY_SUMS.map((c) => `sum(${c}) AS ${c}`).join(', ')} ` +
    `FROM session_replay_events${sample} WHERE team_id = ${teamId(team)} GROUP BY session_id`,
};

/** One row per `$session_id` of the team's events, with PostHog's session properties (lib/clickhouse/sessions.ts). */
export const SESSIONS_TABLE: HogQLTable = {
  name: 'sessions',
  fields: {
    session_id: column('session_id'),
    id: column('session_id'),
    distinct_id: column('distinct_id'),
    ...Object.fromEntries(Object.entries(SESSION_PROPERTIES).map(([k, p]) => [k, column(k, p.type === 'DateTime')])),
  },
  asterisk: ['session_id', 'distinct_id', ...Object.keys(SESSION_PROPERTIES)],
  wrap: (team, sample) => sessionsSubquery(teamId(team), Object.keys(SESSION_PROPERTIES), sample),
};

/** PostHog's `static_cohort_people`: the members of the team's static cohorts (lib/clickhouse/static-cohort-members.ts). */
export const STATIC_COHORT_PEOPLE_TABLE: HogQLTable = {
  name: 'static_cohort_people',
  fields: { cohort_id: column('cohort_id'), person_id: column('person_id') },
  asterisk: ['cohort_id', 'person_id'],
  wrap: (team, sample) => staticCohortPeopleSql(teamId(team), sample),
};

export const HOGQL_TABLES: ReadonlyMap<string, HogQLTable> = new Map(
  [EVENTS_TABLE, PERSONS_TABLE, PERSON_DISTINCT_IDS_TABLE, GROUPS_TABLE, SESSION_REPLAY_EVENTS_TABLE, SESSIONS_TABLE, STATIC_COHORT_PEOPLE_TABLE].map((t) => [t.name, t]),
);

