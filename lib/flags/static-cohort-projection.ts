import type { Sql } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { staticCohortsKey } from './projection-keys';

/** Persons per statement and per round of writes (keeps each Data API call and DynamoDB burst small). */
const CHUNK = 500;
const PARALLEL_WRITES = 25;

/** Persons whose static cohort membership changed, named as the cohort API names them. */
export interface ChangedMembers {
  readonly distinctIds?: readonly string[];
  readonly personUuids?: readonly string[];
}

/**
 * Republishes the static cohorts of the named persons from Postgres into the projection /flags
 * reads on AWS (`flags-static:<team>:<uuid>`). Call after the membership change committed. Every
 * static cohort row counts, deleted cohort or not, as the Postgres source reads them: /flags only
 * consults membership for the cohorts in the definitions. Ids without a person are skipped.
 *
 * Two concurrent writers for one person each publish what they read after their own commit; the
 * later read can be written first (a narrow race, healed by the person's next membership change).
 */
export async function publishStaticCohortMembers(db: Sql, kv: KeyValueStore, teamId: number, members: ChangedMembers): Promise<void> {
  const distinctIds = members.distinctIds ?? [];
  const personUuids = members.personUuids ?? [];
  for (let i = 0; i < Math.max(distinctIds.length, personUuids.length); i += CHUNK) {
    const memberships = await staticCohortsOf(db, teamId, distinctIds.slice(i, i + CHUNK), personUuids.slice(i, i + CHUNK));
    await writeMemberships(kv, teamId, memberships);
  }
}

/** person uuid → its static cohort ids (empty when it has none), for the persons the ids name. */
async function staticCohortsOf(db: Sql, teamId: number, distinctIds: readonly string[], personUuids: readonly string[]): Promise<Map<string, number[]>> {
  const { rows } = await db.query<{ uuid: string; cohorts: string }>(
    `WITH persons AS (
       SELECT person_id AS id FROM posthog_persondistinctid WHERE team_id = $1 AND distinct_id IN (SELECT jsonb_array_elements_text($2::jsonb))
       UNION
       SELECT id FROM posthog_person WHERE team_id = $1 AND uuid IN (SELECT (jsonb_array_elements_text($3::jsonb))::uuid))
     SELECT p.uuid::text AS uuid,
            (SELECT coalesce(json_agg(c.cohort_id ORDER BY c.cohort_id), '[]'::json) FROM posthog_cohortpeople c WHERE c.team_id = $1 AND c.person_id = p.id)::text AS cohorts
       FROM posthog_person p JOIN persons USING (id)`,
    [teamId, JSON.stringify(distinctIds), JSON.stringify(personUuids)],
  );
  return new Map(rows.map((r) => [r.uuid, (JSON.parse(r.cohorts) as (number | string)[]).map(Number)]));
}

/** Writes each person's list; a person left in no static cohort loses its key. */
export async function writeMemberships(kv: KeyValueStore, teamId: number, memberships: ReadonlyMap<string, readonly number[]>): Promise<void> {
  const entries = [...memberships];
  for (let i = 0; i < entries.length; i += PARALLEL_WRITES) {
    await Promise.all(
      entries.slice(i, i + PARALLEL_WRITES).map(([uuid, ids]) => (ids.length ? kv.put(staticCohortsKey(teamId, uuid), ids) : kv.delete(staticCohortsKey(teamId, uuid)))),
    );
  }
}
