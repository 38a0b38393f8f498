import type { Sql } from '../ports/database';
import { bumpDefinitionsVersion } from './definitions-version';
import { userColumns, userOf, type UserBasic, type UserColumns } from '../accounts/user-basic';
import type { Cohort, PropertyGroup } from './types';

// Cohorts live in posthog_cohort; static membership in posthog_cohortpeople (person ids).

export interface CohortRecord extends Cohort {
  readonly description: string;
  readonly version: number;
  /** Static cohorts: their member count. Dynamic cohorts are not precomputed: null. */
  readonly count: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: UserBasic | null;
}

/** Everything a save writes (validated by cohort-validation.ts). */
export interface CohortFields {
  readonly name: string | null;
  readonly description: string;
  readonly filters: { readonly properties?: PropertyGroup } | null;
  readonly is_static: boolean;
  readonly deleted: boolean;
}

/** A member of a static cohort, as the persons API shows one. */
export interface CohortMember {
  readonly id: number;
  readonly uuid: string;
  readonly properties: Record<string, unknown>;
  readonly isIdentified: boolean;
  readonly createdAt: string;
  readonly distinctIds: string[];
}

interface CohortRow extends UserColumns {
  id: number;
  team_id: string | number;
  name: string | null;
  description: string;
  filters: string | null;
  is_static: boolean;
  deleted: boolean;
  version: number;
  count: number | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = `c.id, c.team_id, c.name, c.description, c.filters::text AS filters, c.is_static, c.deleted, c.version, c.count,
  to_json(c.created_at) #>> '{}' AS created_at, to_json(c.updated_at) #>> '{}' AS updated_at, ${userColumns('cu')}`;

const selectFrom = (from: string) => `SELECT ${COLUMNS} FROM ${from} c LEFT JOIN posthog_user cu ON cu.id = c.created_by_id`;

function toCohort(r: CohortRow): Cohort {
  return {
    id: Number(r.id),
    team_id: Number(r.team_id),
    name: r.name ?? '',
    is_static: r.is_static,
    deleted: r.deleted,
    filters: r.filters === null ? null : (JSON.parse(r.filters) as Cohort['filters']),
  };
}

function toRecord(r: CohortRow): CohortRecord {
  return {
    ...toCohort(r),
    name: r.name ?? '',
    description: r.description,
    version: Number(r.version),
    count: r.count === null ? null : Number(r.count),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    createdBy: userOf(r),
  };
}

/** The team's non-deleted cohorts (static and dynamic), by id: what the evaluators receive. */
export async function listCohorts(db: Sql, teamId: number): Promise<Cohort[]> {
  const { rows } = await db.query<CohortRow>(`${selectFrom('posthog_cohort')} WHERE c.team_id = $1 AND NOT c.deleted ORDER BY c.id`, [teamId]);
  return rows.map(toCohort);
}

/** A page of the team's non-deleted cohorts, newest first, with the total. */
export async function listCohortRecords(db: Sql, teamId: number, page: { limit: number; offset: number; search?: string }): Promise<{ count: number; cohorts: CohortRecord[] }> {
  const where = 'c.team_id = $1 AND NOT c.deleted AND ($2::text IS NULL OR c.name ILIKE $2::text)';
  const pattern = page.search ? `%${page.search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : null;
  const [list, total] = await Promise.all([
    db.query<CohortRow>(`${selectFrom('posthog_cohort')} WHERE ${where} ORDER BY c.created_at DESC, c.id DESC LIMIT $3 OFFSET $4`, [teamId, pattern, page.limit, page.offset]),
    db.query<{ n: number }>(`SELECT count(*)::int4 AS n FROM posthog_cohort c WHERE ${where}`, [teamId, pattern]),
  ]);
  return { count: Number(total.rows[0].n), cohorts: list.rows.map(toRecord) };
}

/** One cohort of the team, deleted or not; `forUpdate` locks its row until the transaction ends. */
export async function findCohort(db: Sql, teamId: number, id: number, options: { forUpdate?: boolean } = {}): Promise<CohortRecord | undefined> {
  const { rows } = await db.query<CohortRow>(`${selectFrom('posthog_cohort')} WHERE c.team_id = $1 AND c.id = $2${options.forUpdate ? ' FOR UPDATE OF c' : ''}`, [teamId, id]);
  return rows[0] && toRecord(rows[0]);
}

export async function insertCohort(tx: Sql, teamId: number, fields: CohortFields, userId: number | null): Promise<CohortRecord> {
  const { rows } = await tx.query<CohortRow>(
    `WITH c AS (
       INSERT INTO posthog_cohort (team_id, name, description, filters, is_static, deleted, count, created_by_id)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, CASE WHEN $5 THEN 0 END, $7) RETURNING *)
     ${selectFrom('c')}`,
    [teamId, fields.name, fields.description, fields.filters === null ? null : JSON.stringify(fields.filters), fields.is_static, fields.deleted, userId],
  );
  await bumpDefinitionsVersion(tx, teamId);
  return toRecord(rows[0]);
}

/** Saves a cohort's fields as its next version; undefined when the team has no such cohort. */
export async function updateCohort(tx: Sql, teamId: number, id: number, fields: CohortFields): Promise<CohortRecord | undefined> {
  const { rows } = await tx.query<CohortRow>(
    `WITH c AS (
       UPDATE posthog_cohort SET name = $3, description = $4, filters = $5::jsonb, is_static = $6, deleted = $7,
              count = CASE WHEN $6 THEN coalesce(count, 0) END, version = version + 1, updated_at = now()
        WHERE team_id = $1 AND id = $2 RETURNING *),
     -- A cohort that stops being static drops its uploaded members.
     cleared AS (DELETE FROM posthog_cohortpeople WHERE cohort_id = $2 AND NOT $6 AND team_id = $1 RETURNING 1)
     ${selectFrom('c')}`,
    [teamId, id, fields.name, fields.description, fields.filters === null ? null : JSON.stringify(fields.filters), fields.is_static, fields.deleted],
  );
  if (rows[0]) await bumpDefinitionsVersion(tx, teamId);
  return rows[0] && toRecord(rows[0]);
}

/**
 * Adds persons to a static cohort, named by distinct id and/or person uuid (callers check uuids'
 * syntax). Ids without a person are skipped. Returns how many persons the ids matched, how many
 * were new members, and the cohort's member count after.
 */
export async function addStaticCohortMembers(
  tx: Sql,
  teamId: number,
  cohortId: number,
  members: { readonly distinctIds?: readonly string[]; readonly personUuids?: readonly string[] },
): Promise<{ matched: number; added: number; count: number }> {
  const { rows } = await tx.query<{ matched: number; added: number }>(
    `WITH persons AS (
       SELECT person_id AS id FROM posthog_persondistinctid WHERE team_id = $1 AND distinct_id IN (SELECT jsonb_array_elements_text($3::jsonb))
       UNION
       SELECT id FROM posthog_person WHERE team_id = $1 AND uuid IN (SELECT (jsonb_array_elements_text($4::jsonb))::uuid)),
     added AS (
       INSERT INTO posthog_cohortpeople (team_id, cohort_id, person_id) SELECT $1, $2, id FROM persons ORDER BY id
       ON CONFLICT (cohort_id, person_id) DO NOTHING RETURNING 1)
     SELECT (SELECT count(*) FROM persons)::int4 AS matched, (SELECT count(*) FROM added)::int4 AS added`,
    [teamId, cohortId, JSON.stringify(members.distinctIds ?? []), JSON.stringify(members.personUuids ?? [])],
  );
  const count = await recount(tx, teamId, cohortId);
  return { matched: Number(rows[0].matched), added: Number(rows[0].added), count };
}

/** Removes persons (by uuid) from a static cohort; returns the member count after. */
export async function removeStaticCohortMembers(tx: Sql, teamId: number, cohortId: number, personUuids: readonly string[]): Promise<number> {
  await tx.query(
    `DELETE FROM posthog_cohortpeople WHERE team_id = $1 AND cohort_id = $2
        AND person_id IN (SELECT id FROM posthog_person WHERE team_id = $1 AND uuid IN (SELECT (jsonb_array_elements_text($3::jsonb))::uuid))`,
    [teamId, cohortId, JSON.stringify(personUuids)],
  );
  return recount(tx, teamId, cohortId);
}

async function recount(tx: Sql, teamId: number, cohortId: number): Promise<number> {
  const { rows } = await tx.query<{ count: number }>(
    `UPDATE posthog_cohort SET count = (SELECT count(*) FROM posthog_cohortpeople WHERE cohort_id = $2)::int4, updated_at = now()
      WHERE team_id = $1 AND id = $2 RETURNING count`,
    [teamId, cohortId],
  );
  return Number(rows[0]?.count ?? 0);
}

/** A page of a static cohort's members with their distinct ids, in the order they were added. */
export async function staticCohortMembers(db: Sql, teamId: number, cohortId: number, page: { limit: number; offset: number }): Promise<CohortMember[]> {
  const { rows } = await db.query<{ id: string | number; uuid: string; properties: string; is_identified: boolean; created_at: string; distinct_ids: string }>(
    `SELECT p.id, p.uuid::text AS uuid, p.properties::text AS properties, p.is_identified, to_json(p.created_at) #>> '{}' AS created_at,
            (SELECT coalesce(json_agg(d.distinct_id ORDER BY d.id), '[]'::json) FROM posthog_persondistinctid d WHERE d.person_id = p.id)::text AS distinct_ids
       FROM posthog_cohortpeople c JOIN posthog_person p ON p.id = c.person_id
      WHERE c.team_id = $1 AND c.cohort_id = $2
      ORDER BY c.id LIMIT $3 OFFSET $4`,
    [teamId, cohortId, page.limit, page.offset],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    uuid: r.uuid,
    properties: JSON.parse(r.properties) as Record<string, unknown>,
    isIdentified: r.is_identified,
    createdAt: new Date(r.created_at).toISOString(),
    distinctIds: JSON.parse(r.distinct_ids) as string[],
  }));
}

/** The non-deleted static cohorts a person (posthog_person.id) belongs to. */
export async function staticCohortIdsOfPerson(db: Sql, teamId: number, personId: number): Promise<number[]> {
  const { rows } = await db.query<{ cohort_id: number }>(
    `SELECT m.cohort_id FROM posthog_cohortpeople m JOIN posthog_cohort c ON c.id = m.cohort_id
      WHERE m.team_id = $1 AND m.person_id = $2 AND NOT c.deleted ORDER BY m.cohort_id`,
    [teamId, personId],
  );
  return rows.map((r) => Number(r.cohort_id));
}

/**
 * Moves a merged-away person's static cohort memberships to the surviving person (as PostHog's
 * merge does); a cohort holding both keeps one row, and its count drops by one. Call inside the
 * merge's transaction, before the merged person is deleted. Returns how many memberships moved.
 */
export async function moveStaticCohortMemberships(tx: Sql, fromPersonId: number, toPersonId: number): Promise<number> {
  if (fromPersonId === toPersonId) return 0;
  // Every CTE sees the rows as they were before the statement: `both` finds cohorts the survivor was already in.
  const { rows } = await tx.query<{ moved: number }>(
    `WITH removed AS (
       DELETE FROM posthog_cohortpeople WHERE person_id = $1 RETURNING team_id, cohort_id),
     moved AS (
       INSERT INTO posthog_cohortpeople (team_id, cohort_id, person_id) SELECT team_id, cohort_id, $2 FROM removed
       ON CONFLICT (cohort_id, person_id) DO NOTHING RETURNING 1),
     both_members AS (
       UPDATE posthog_cohort c SET count = c.count - 1
        WHERE c.id IN (SELECT cohort_id FROM removed)
          AND EXISTS (SELECT 1 FROM posthog_cohortpeople x WHERE x.cohort_id = c.id AND x.person_id = $2)
       RETURNING 1)
     SELECT count(*)::int4 AS moved FROM moved`,
    [fromPersonId, toPersonId],
  );
  return Number(rows[0].moved);
}
