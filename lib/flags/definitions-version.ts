import type { Sql } from '../ports/database';

/**
 * A per-team counter that every write to the team's flags or cohorts bumps, in the same
 * transaction as the write. Readers (the `/flags` definitions cache, the local-evaluation ETag)
 * compare stamps to learn that definitions changed without reading them.
 */
export async function bumpDefinitionsVersion(tx: Sql, teamId: number): Promise<void> {
  await tx.query(
    `INSERT INTO hedgerow_flagdefinitionsversion AS v (team_id, version) VALUES ($1, 1)
     ON CONFLICT (team_id) DO UPDATE SET version = v.version + 1, updated_at = now()`,
    [teamId],
  );
}

/**
 * The team's definitions stamp, e.g. `"7.2"`: the write counter, then the number of group
 * types (a new group type changes the `group_type_mapping` served with the definitions).
 * Equal stamps mean equal definitions.
 */
export async function flagsVersionStamp(db: Sql, teamId: number): Promise<string> {
  const { rows } = await db.query<{ version: string; group_types: number }>(
    `SELECT coalesce((SELECT version FROM hedgerow_flagdefinitionsversion WHERE team_id = $1), 0)::text AS version,
            (SELECT count(*) FROM posthog_grouptypemapping WHERE team_id = $1)::int4 AS group_types`,
    [teamId],
  );
  return `${rows[0].version}.${rows[0].group_types}`;
}
