import type { Sql } from '../ports/database';
import type { Properties } from './property-updates';

/** A person as stored in Postgres. */
export interface StoredPerson {
  readonly id: number;
  readonly uuid: string;
  readonly properties: Properties;
  readonly isIdentified: boolean;
  readonly createdAt: string;
  readonly version: number;
}

interface PersonDbRow {
  distinct_id: string;
  id: string | number;
  uuid: string;
  properties: string;
  is_identified: boolean;
  created_at: string | Date;
  version: string | number;
}

/** Timestamps are selected as `to_json(ts) #>> '{}'` (ISO 8601 with offset) so every adapter reads them alike. */
const iso = (value: string | Date) => new Date(value).toISOString();

function toPerson(row: PersonDbRow): StoredPerson {
  return {
    id: Number(row.id),
    uuid: row.uuid,
    properties: JSON.parse(row.properties) as Properties,
    isIdentified: row.is_identified,
    createdAt: iso(row.created_at),
    version: Number(row.version),
  };
}

/**
 * Takes transaction-scoped advisory locks on (team, distinct id) in a fixed order, so that two
 * batches touching the same ids — even ids with no person yet — run one after the other.
 */
export async function lockDistinctIds(tx: Sql, teamId: number, distinctIds: readonly string[]): Promise<void> {
  if (distinctIds.length === 0) return;
  await tx.query(
    `SELECT count(pg_advisory_xact_lock(h)) FROM (
       SELECT DISTINCT hashtextextended($1::text || ':' || d, 0) AS h FROM jsonb_array_elements_text($2::jsonb) AS d ORDER BY h) AS ids`,
    [String(teamId), JSON.stringify(distinctIds)],
  );
}

/** Persons owning the given distinct ids, their rows locked until the transaction ends. */
export async function loadPersonsForUpdate(tx: Sql, teamId: number, distinctIds: readonly string[]): Promise<Map<string, StoredPerson>> {
  const byDistinctId = new Map<string, StoredPerson>();
  if (distinctIds.length === 0) return byDistinctId;
  const { rows } = await tx.query<PersonDbRow>(
    `SELECT d.distinct_id, p.id, p.uuid::text AS uuid, p.properties::text AS properties, p.is_identified, to_json(p.created_at) #>> '{}' AS created_at, p.version
       FROM posthog_persondistinctid d JOIN posthog_person p ON p.id = d.person_id
      WHERE d.team_id = $1 AND d.distinct_id IN (SELECT jsonb_array_elements_text($2::jsonb))
      ORDER BY p.id
      FOR UPDATE OF p`,
    [teamId, JSON.stringify(distinctIds)],
  );
  const shared = new Map<number, StoredPerson>();
  for (const row of rows) {
    const id = Number(row.id);
    let person = shared.get(id);
    if (!person) shared.set(id, (person = toPerson(row)));
    byDistinctId.set(row.distinct_id, person);
  }
  return byDistinctId;
}

/** Of the given ids, those that were seen on personless events. */
export async function loadPersonlessIds(tx: Sql, teamId: number, distinctIds: readonly string[]): Promise<Set<string>> {
  if (distinctIds.length === 0) return new Set();
  const { rows } = await tx.query<{ distinct_id: string }>(
    `SELECT distinct_id FROM posthog_personlessdistinctid
      WHERE team_id = $1 AND distinct_id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
    [teamId, JSON.stringify(distinctIds)],
  );
  return new Set(rows.map((r) => r.distinct_id));
}

export async function recordPersonlessIds(tx: Sql, teamId: number, distinctIds: readonly string[]): Promise<void> {
  if (distinctIds.length === 0) return;
  await tx.query(
    `INSERT INTO posthog_personlessdistinctid (team_id, distinct_id)
     SELECT $1, d FROM jsonb_array_elements_text($2::jsonb) AS d ON CONFLICT DO NOTHING`,
    [teamId, JSON.stringify(distinctIds)],
  );
}

export async function markPersonlessMerged(tx: Sql, teamId: number, distinctIds: readonly string[]): Promise<void> {
  if (distinctIds.length === 0) return;
  await tx.query(
    `UPDATE posthog_personlessdistinctid SET is_merged = true
      WHERE team_id = $1 AND distinct_id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
    [teamId, JSON.stringify(distinctIds)],
  );
}

export interface NewPerson {
  readonly uuid: string;
  readonly properties: Properties;
  readonly isIdentified: boolean;
  readonly createdAt: string;
}

/** Inserts persons (version 0); returns their database ids by uuid. */
export async function insertPersons(tx: Sql, teamId: number, persons: readonly NewPerson[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (persons.length === 0) return ids;
  const { rows } = await tx.query<{ id: string | number; uuid: string }>(
    `INSERT INTO posthog_person (uuid, team_id, properties, is_identified, created_at, version)
     SELECT r.uuid::uuid, $1, r.properties, r.is_identified, r.created_at::timestamptz, 0
       FROM jsonb_to_recordset($2::jsonb) AS r(uuid text, properties jsonb, is_identified boolean, created_at text)
     RETURNING id, uuid::text AS uuid`,
    [teamId, JSON.stringify(persons.map((p) => ({ uuid: p.uuid, properties: p.properties, is_identified: p.isIdentified, created_at: p.createdAt })))],
  );
  for (const row of rows) ids.set(row.uuid, Number(row.id));
  return ids;
}

export interface PersonChange {
  readonly id: number;
  readonly properties: Properties;
  readonly isIdentified: boolean;
  readonly createdAt: string;
}

/** Writes changed persons and bumps their version; returns the new versions by id. */
export async function updatePersons(tx: Sql, changes: readonly PersonChange[]): Promise<Map<number, number>> {
  const versions = new Map<number, number>();
  if (changes.length === 0) return versions;
  const { rows } = await tx.query<{ id: string | number; version: string | number }>(
    `UPDATE posthog_person AS p
        SET properties = r.properties, is_identified = r.is_identified, created_at = r.created_at::timestamptz, version = p.version + 1
       FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, properties jsonb, is_identified boolean, created_at text)
      WHERE p.id = r.id
     RETURNING p.id, p.version`,
    [JSON.stringify(changes.map((c) => ({ id: c.id, properties: c.properties, is_identified: c.isIdentified, created_at: c.createdAt })))],
  );
  for (const row of rows) versions.set(Number(row.id), Number(row.version));
  return versions;
}

export interface NewDistinctId {
  readonly distinctId: string;
  readonly personId: number;
  readonly version: number;
}

/** Inserts distinct-id mappings; answers how many were inserted (a conflict means a race). */
export async function insertDistinctIds(tx: Sql, teamId: number, ids: readonly NewDistinctId[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { rows } = await tx.query<{ distinct_id: string }>(
    `INSERT INTO posthog_persondistinctid (team_id, distinct_id, person_id, version)
     SELECT $1, r.distinct_id, r.person_id, r.version
       FROM jsonb_to_recordset($2::jsonb) AS r(distinct_id text, person_id bigint, version bigint)
     ON CONFLICT (team_id, distinct_id) DO NOTHING
     RETURNING distinct_id`,
    [teamId, JSON.stringify(ids.map((i) => ({ distinct_id: i.distinctId, person_id: i.personId, version: i.version })))],
  );
  return rows.length;
}

/** Moves every distinct id of one person to another; returns the moved ids and their new versions. */
export async function moveDistinctIds(tx: Sql, teamId: number, fromPersonId: number, toPersonId: number): Promise<{ distinctId: string; version: number }[]> {
  const { rows } = await tx.query<{ distinct_id: string; version: string | number }>(
    `UPDATE posthog_persondistinctid SET person_id = $3, version = version + 1
      WHERE team_id = $1 AND person_id = $2
     RETURNING distinct_id, version`,
    [teamId, fromPersonId, toPersonId],
  );
  return rows.map((r) => ({ distinctId: r.distinct_id, version: Number(r.version) }));
}

export async function deletePerson(tx: Sql, personId: number): Promise<void> {
  await tx.query('DELETE FROM posthog_person WHERE id = $1', [personId]);
}
