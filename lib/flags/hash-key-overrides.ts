import type { Sql } from '../ports/database';

// Experience continuity (contract §3.9): posthog_featureflaghashkeyoverride holds, per person and
// flag key, the hash key (an earlier anonymous distinct id) the flag is bucketed on.

const FOREIGN_KEY_VIOLATION = '23503';

/** flag key → hash key for the person owning `distinctId` ({} without a person). */
export async function hashKeyOverridesOf(db: Sql, teamId: number, distinctId: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ feature_flag_key: string; hash_key: string }>(
    `SELECT o.feature_flag_key, o.hash_key
       FROM posthog_persondistinctid d JOIN posthog_featureflaghashkeyoverride o ON o.team_id = d.team_id AND o.person_id = d.person_id
      WHERE d.team_id = $1 AND d.distinct_id = $2`,
    [teamId, distinctId],
  );
  return Object.fromEntries(rows.map((r) => [r.feature_flag_key, r.hash_key]));
}

/**
 * Records `anonDistinctId` as the hash key of each of `flagKeys` (the caller passes the flags
 * with experience continuity) for the persons owning `distinctId` and `anonDistinctId` — as
 * PostHog does — where no override exists yet; existing overrides are never replaced. Returns
 * the overrides of `distinctId`'s person afterwards ({} while it has no person).
 */
export async function addHashKeyOverrides(
  db: Sql,
  teamId: number,
  distinctId: string,
  anonDistinctId: string,
  flagKeys: readonly string[],
): Promise<Record<string, string>> {
  if (flagKeys.length === 0) return hashKeyOverridesOf(db, teamId, distinctId);
  for (let attempt = 1; ; attempt++) {
    try {
      const { rows } = await db.query<{ feature_flag_key: string; hash_key: string }>(
        `WITH persons AS (
           SELECT DISTINCT person_id FROM posthog_persondistinctid WHERE team_id = $1 AND distinct_id IN ($2::text, $3::text)),
         added AS (
           INSERT INTO posthog_featureflaghashkeyoverride (team_id, person_id, feature_flag_key, hash_key)
           SELECT $1, p.person_id, k, $3::text FROM persons p, jsonb_array_elements_text($4::jsonb) AS k
           ON CONFLICT (team_id, person_id, feature_flag_key) DO NOTHING
           RETURNING person_id, feature_flag_key, hash_key),
         target AS (SELECT person_id FROM posthog_persondistinctid WHERE team_id = $1 AND distinct_id = $2::text)
         SELECT o.feature_flag_key, o.hash_key FROM posthog_featureflaghashkeyoverride o
          WHERE o.team_id = $1 AND o.person_id = (SELECT person_id FROM target)
         UNION ALL
         SELECT a.feature_flag_key, a.hash_key FROM added a WHERE a.person_id = (SELECT person_id FROM target)`,
        [teamId, distinctId, anonDistinctId, JSON.stringify([...new Set(flagKeys)])],
      );
      return Object.fromEntries(rows.map((r) => [r.feature_flag_key, r.hash_key]));
    } catch (error) {
      // The person was merged away (deleted) between reading its id and inserting: read again.
      if ((error as { code?: unknown }).code !== FOREIGN_KEY_VIOLATION || attempt >= 3) throw error;
    }
  }
}

/**
 * Re-points a merged-away person's overrides to the surviving person; where both have one for
 * the same flag, the survivor's stays. Call inside the merge's transaction, before the merged
 * person is deleted (deleting it would cascade to its overrides). Returns how many moved.
 */
export async function moveHashKeyOverrides(tx: Sql, fromPersonId: number, toPersonId: number): Promise<number> {
  if (fromPersonId === toPersonId) return 0;
  const { rows } = await tx.query<{ moved: number }>(
    `WITH removed AS (
       DELETE FROM posthog_featureflaghashkeyoverride WHERE person_id = $1 RETURNING team_id, feature_flag_key, hash_key),
     moved AS (
       INSERT INTO posthog_featureflaghashkeyoverride (team_id, person_id, feature_flag_key, hash_key)
       SELECT team_id, $2, feature_flag_key, hash_key FROM removed
       ON CONFLICT (team_id, person_id, feature_flag_key) DO NOTHING
       RETURNING 1)
     SELECT count(*)::int4 AS moved FROM moved`,
    [fromPersonId, toPersonId],
  );
  return Number(rows[0].moved);
}
