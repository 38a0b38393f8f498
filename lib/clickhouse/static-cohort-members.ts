/**
 * Static cohort membership in ClickHouse (`person_static_cohort`, lib/clickhouse/schema.ts): the
 * SQL that insights and HogQL read it with, and the write that mirrors Postgres
 * (`posthog_cohortpeople`, the source of truth) when the cohorts API changes members.
 *
 * The write copies state, not the request: it reads from Postgres whether each affected person is
 * a member now and writes that (a member row or a tombstone), versioned by the Postgres clock of
 * the read; readers take the latest version per person (argMax), so repeats collapse. The cohorts
 * API calls it inside the transaction that changed the members, with the cohort locked: a
 * ClickHouse failure rolls the change back, and writes to one cohort are versioned in commit
 * order. Should the commit fail after the insert, ClickHouse holds a state Postgres does not; the
 * next change of those persons, read later, outranks it.
 */
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Sql } from '../ports/database';

/** The persons whose membership may have changed. */
export type MembershipChange =
  | { readonly distinctIds?: readonly string[]; readonly personUuids?: readonly string[] }
  /** Everyone ClickHouse or Postgres holds as a member (e.g. a cohort that stopped being static). */
  | 'all';

/**
 * A SELECT of the person ids (UUID) of a static cohort's members, one row each. `team` and
 * `cohort` are SQL for the two ids: query parameters, or integers the caller has checked.
 *
 * Merges: Postgres moves a merged person's memberships to the winner, but ingestion does not write
 * ClickHouse's rows, so a member B merged into A still has the row. A person is therefore also a
 * member when one of a member's distinct ids now belongs to it (person_distinct_id2) — unless the
 * person has rows of its own for the cohort, which then decide (a removal after the merge
 * tombstones the winner).
 */
export function staticCohortMembersSql(team: string, cohort: string): string {
  const rows = `person_static_cohort WHERE team_id = ${team} AND cohort_id = ${cohort}`;
  const members = `SELECT person_id FROM ${rows} GROUP BY person_id HAVING argMax(is_deleted, version) = 0`;
  const memberDistinctIds = `SELECT distinct_id FROM person_distinct_id2 WHERE team_id = ${team} AND person_id IN (${members})`;
  const winners =
    `SELECT argMax(person_id, version) AS person_id FROM person_distinct_id2 WHERE team_id = ${team} AND distinct_id IN (${memberDistinctIds}) ` +
    'GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0';
  return `${members} UNION DISTINCT SELECT person_id FROM (${winners}) WHERE person_id NOT IN (SELECT person_id FROM ${rows})`;
}

/** Every (cohort_id, person_id) membership of a team, one row each: HogQL's `static_cohort_people`. */
export function staticCohortPeopleSql(team: string, sample = ''): string {
  return (
    `SELECT cohort_id, person_id FROM person_static_cohort${sample} WHERE team_id = ${team} ` +
    'GROUP BY cohort_id, person_id HAVING argMax(is_deleted, version) = 0'
  );
}

/** Ids per Postgres statement (keeps each Data API call small). */
const CHUNK = 1000;

interface MemberState {
  readonly uuid: string;
  readonly member: boolean;
}

/**
 * Writes to ClickHouse the Postgres membership, as `db` sees it, of the persons `change` names in a
 * team's cohort. Returns how many rows it wrote.
 */
export async function syncStaticCohortMembers(db: Sql, store: AnalyticsStore, teamId: number, cohortId: number, change: MembershipChange): Promise<number> {
  const batches: { distinctIds?: readonly string[]; personUuids?: readonly string[] }[] = [];
  const uuids = change === 'all' ? await everyMember(db, store, teamId, cohortId) : (change.personUuids ?? []);
  for (let i = 0; i < uuids.length; i += CHUNK) batches.push({ personUuids: uuids.slice(i, i + CHUNK) });
  const distinctIds = change === 'all' ? [] : (change.distinctIds ?? []);
  for (let i = 0; i < distinctIds.length; i += CHUNK) batches.push({ distinctIds: distinctIds.slice(i, i + CHUNK) });
  let written = 0;
  for (const batch of batches) {
    const { version, states } = await membershipStates(db, teamId, cohortId, batch);
    if (states.length === 0) continue;
    await store.insert(
      'person_static_cohort',
      states.map((s) => ({ person_id: s.uuid, cohort_id: cohortId, team_id: teamId, is_deleted: s.member ? 0 : 1, version })),
    );
    written += states.length;
  }
  return written;
}

/**
 * Whether each named person is a member, read in one statement with that statement's start time
 * (µs) as the version. A uuid Postgres has no person for is written as not a member (a deleted or
 * merged-away person); a distinct id without a person names nobody.
 */
async function membershipStates(
  db: Sql,
  teamId: number,
  cohortId: number,
  ids: { distinctIds?: readonly string[]; personUuids?: readonly string[] },
): Promise<{ version: number; states: MemberState[] }> {
  const requested = (ids.personUuids ?? []).map((u) => u.toLowerCase());
  const { rows } = await db.query<{ version: string; states: string }>(
    `WITH persons AS (
       SELECT person_id AS id FROM posthog_persondistinctid WHERE team_id = $1 AND distinct_id IN (SELECT jsonb_array_elements_text($3::jsonb))
       UNION
       SELECT id FROM posthog_person WHERE team_id = $1 AND uuid IN (SELECT (jsonb_array_elements_text($4::jsonb))::uuid))
     SELECT (extract(epoch FROM statement_timestamp()) * 1000000)::int8::text AS version,
            coalesce((SELECT json_agg(json_build_object('uuid', p.uuid::text, 'member',
                        EXISTS (SELECT 1 FROM posthog_cohortpeople m WHERE m.team_id = $1 AND m.cohort_id = $2 AND m.person_id = p.id)))
                        FROM persons JOIN posthog_person p ON p.id = persons.id), '[]'::json)::text AS states`,
    [teamId, cohortId, JSON.stringify(ids.distinctIds ?? []), JSON.stringify(requested)],
  );
  const found = JSON.parse(rows[0].states) as MemberState[];
  const known = new Set(found.map((s) => s.uuid));
  const gone = [...new Set(requested)].filter((u) => !known.has(u)).map((uuid) => ({ uuid, member: false }));
  return { version: Number(rows[0].version), states: [...found, ...gone] };
}

/** Person uuids of a cohort's members in ClickHouse or in Postgres. */
async function everyMember(db: Sql, store: AnalyticsStore, teamId: number, cohortId: number): Promise<string[]> {
  const inClickHouse = await store.query<{ uuid: string }>(`SELECT toString(person_id) AS uuid FROM (${staticCohortMembersSql('{team:Int64}', '{cohort:Int64}')})`, {
    params: { team: teamId, cohort: cohortId },
  });
  const { rows } = await db.query<{ uuid: string }>(
    'SELECT p.uuid::text AS uuid FROM posthog_cohortpeople m JOIN posthog_person p ON p.id = m.person_id WHERE m.team_id = $1 AND m.cohort_id = $2',
    [teamId, cohortId],
  );
  return [...new Set([...inClickHouse.map((r) => r.uuid), ...rows.map((r) => r.uuid)])];
}
