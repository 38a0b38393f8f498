import type { Sql } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { PERSONS_PROJECTION_FORMAT, backfillMarkerKey, didKey, groupKey, overridesKey, personKey, staticCohortsKey, type Versioned } from './projection-keys';

/** Rows per page (bounded memory; each statement stays small for the Data API). */
const PAGE_SIZE = 500;
/** Persons or groups whose key-value writes run at once. */
const PARALLEL = 25;

export interface BackfillOutcome {
  readonly persons: number;
  readonly groups: number;
}

interface StoredPersonRow {
  uuid: string;
  properties: string;
  version: string | number;
  distinct_ids: string;
  cohorts: string;
  overrides: string;
}

interface StoredGroupRow {
  group_type_index: number;
  group_key: string;
  group_properties: string;
  version: string | number;
}

/**
 * Projects a team's existing persons (properties, distinct ids, static cohorts, hash-key
 * overrides) and groups from Postgres into the key-value store /flags reads on AWS: ingestion only
 * projects what it sees change, so persons older than the projection would be unknown to /flags.
 * Pages through Postgres by key (keyset pagination), so memory stays bounded. Runs once per team
 * and projection format (a marker key); a repeat run after a failure starts the team again.
 *
 * Never overwrites newer data: a person or group is written only when absent or projected at an
 * older version, a distinct id only when absent, and overrides already projected win. The store
 * has no compare-on-version put, so an ingestion write landing between our read and our write of
 * an older entry can be overwritten by Postgres's (then older) state until that person's next change.
 * Answers undefined when the team was already backfilled at this format.
 */
export async function backfillPersonsProjection(db: Sql, kv: KeyValueStore, teamId: number, pageSize = PAGE_SIZE): Promise<BackfillOutcome | undefined> {
  if (((await kv.get<number>(backfillMarkerKey(teamId))) ?? 0) >= PERSONS_PROJECTION_FORMAT) return undefined;
  let persons = 0;
  for (let after: string | null = null; ; ) {
    const page = await personsPage(db, teamId, after, pageSize);
    await inParallel(page, (p) => projectStoredPerson(kv, teamId, p));
    persons += page.length;
    if (page.length < pageSize) break;
    after = page[page.length - 1].uuid;
  }
  let groups = 0;
  for (let after: StoredGroupRow | null = null; ; ) {
    const page = await groupsPage(db, teamId, after, pageSize);
    await inParallel(page, (g) => putIfNewer(kv, groupKey(teamId, g.group_type_index, g.group_key), { properties: JSON.parse(g.group_properties), version: Number(g.version) }));
    groups += page.length;
    if (page.length < pageSize) break;
    after = page[page.length - 1];
  }
  await kv.put(backfillMarkerKey(teamId), PERSONS_PROJECTION_FORMAT);
  return { persons, groups };
}

async function personsPage(db: Sql, teamId: number, afterUuid: string | null, limit: number): Promise<StoredPersonRow[]> {
  const { rows } = await db.query<StoredPersonRow>(
    `SELECT p.uuid::text AS uuid, p.properties::text AS properties, p.version,
            (SELECT coalesce(json_agg(d.distinct_id), '[]'::json) FROM posthog_persondistinctid d WHERE d.person_id = p.id)::text AS distinct_ids,
            (SELECT coalesce(json_agg(c.cohort_id ORDER BY c.cohort_id), '[]'::json) FROM posthog_cohortpeople c WHERE c.team_id = $1 AND c.person_id = p.id)::text AS cohorts,
            (SELECT coalesce(json_object_agg(o.feature_flag_key, o.hash_key), '{}'::json) FROM posthog_featureflaghashkeyoverride o WHERE o.person_id = p.id)::text AS overrides
       FROM posthog_person p
      WHERE p.team_id = $1 AND ($2::text IS NULL OR p.uuid > $2::uuid)
      ORDER BY p.uuid LIMIT $3`,
    [teamId, afterUuid, limit],
  );
  return rows;
}

async function groupsPage(db: Sql, teamId: number, after: StoredGroupRow | null, limit: number): Promise<StoredGroupRow[]> {
  const { rows } = await db.query<StoredGroupRow>(
    `SELECT group_type_index, group_key, group_properties::text AS group_properties, version
       FROM posthog_group
      WHERE team_id = $1 AND ($2::integer IS NULL OR (team_id, group_type_index, group_key) > ($1, $2::integer, $3::text))
      ORDER BY group_type_index, group_key LIMIT $4`,
    [teamId, after?.group_type_index ?? null, after?.group_key ?? null, limit],
  );
  return rows;
}

async function projectStoredPerson(kv: KeyValueStore, teamId: number, p: StoredPersonRow): Promise<void> {
  const distinctIds = JSON.parse(p.distinct_ids) as string[];
  const cohorts = (JSON.parse(p.cohorts) as (number | string)[]).map(Number);
  const overrides = JSON.parse(p.overrides) as Record<string, string>;
  await Promise.all([
    putIfNewer(kv, personKey(teamId, p.uuid), { properties: JSON.parse(p.properties), version: Number(p.version) }),
    ...distinctIds.map((d) => kv.put(didKey(teamId, d), p.uuid, { onlyIfAbsent: true })),
    // Postgres holds static membership (the cohort API publishes from it too).
    cohorts.length ? kv.put(staticCohortsKey(teamId, p.uuid), cohorts) : undefined,
    Object.keys(overrides).length ? addMissingOverrides(kv, overridesKey(teamId, p.uuid), overrides) : undefined,
  ]);
}

/** Writes `value` when the key is absent or holds an older version. */
async function putIfNewer(kv: KeyValueStore, key: string, value: Versioned): Promise<void> {
  const current = await kv.get<Versioned>(key);
  // Absent: write unless ingestion wrote in between (its entry followed a Postgres commit: keep it).
  if (!current) await kv.put(key, value, { onlyIfAbsent: true });
  else if (current.version < value.version) await kv.put(key, value);
}

/** An override already projected (the flags function records them there) wins, as in Postgres. */
async function addMissingOverrides(kv: KeyValueStore, key: string, stored: Record<string, string>): Promise<void> {
  const current = (await kv.get<Record<string, string>>(key)) ?? {};
  if (Object.keys(stored).every((flag) => Object.hasOwn(current, flag))) return;
  await kv.put(key, { ...stored, ...current });
}

async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) await Promise.all(items.slice(i, i + PARALLEL).map(fn));
}
