import type { Sql } from '../ports/database';
import type { Properties } from './property-updates';

export const MAX_GROUP_TYPES = 5;

export async function loadGroupTypes(db: Sql, teamId: number): Promise<Map<string, number>> {
  const { rows } = await db.query<{ group_type: string; group_type_index: number }>(
    'SELECT group_type, group_type_index FROM posthog_grouptypemapping WHERE team_id = $1',
    [teamId],
  );
  return new Map(rows.map((r) => [r.group_type, Number(r.group_type_index)]));
}

/**
 * Gives `groupType` the next free index (0..4), unless the team has five types already.
 * Concurrent writers collide on the unique index and simply re-read.
 */
export async function assignGroupType(db: Sql, teamId: number, groupType: string): Promise<number | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await db.query(
      `INSERT INTO posthog_grouptypemapping (team_id, group_type, group_type_index)
       SELECT $1, $2, coalesce(max(group_type_index) + 1, 0) FROM posthog_grouptypemapping WHERE team_id = $1
       HAVING count(*) < ${MAX_GROUP_TYPES}
       ON CONFLICT DO NOTHING`,
      [teamId, groupType],
    );
    const types = await loadGroupTypes(db, teamId);
    if (types.has(groupType)) return types.get(groupType);
    if (types.size >= MAX_GROUP_TYPES) return undefined;
  }
  return undefined;
}

export interface StoredGroup {
  readonly index: number;
  readonly key: string;
  readonly properties: Properties;
  readonly createdAt: string;
  readonly version: number;
}

interface GroupDbRow {
  group_type_index: number;
  group_key: string;
  group_properties: string;
  created_at: string;
  version: string | number;
}

const toGroup = (r: GroupDbRow): StoredGroup => ({
  index: Number(r.group_type_index),
  key: r.group_key,
  properties: JSON.parse(r.group_properties) as Properties,
  createdAt: new Date(r.created_at).toISOString(),
  version: Number(r.version),
});

const GROUP_COLUMNS = `g.group_type_index, g.group_key, g.group_properties::text AS group_properties,
  to_json(g.created_at) #>> '{}' AS created_at, g.version`;

export async function loadGroups(db: Sql, teamId: number, refs: readonly { index: number; key: string }[]): Promise<StoredGroup[]> {
  if (refs.length === 0) return [];
  const { rows } = await db.query<GroupDbRow>(
    `SELECT ${GROUP_COLUMNS}
       FROM posthog_group g JOIN jsonb_to_recordset($2::jsonb) AS r(i integer, k text)
         ON g.group_type_index = r.i AND g.group_key = r.k
      WHERE g.team_id = $1`,
    [teamId, JSON.stringify(refs.map((r) => ({ i: r.index, k: r.key })))],
  );
  return rows.map(toGroup);
}

/** Merges property changes into groups (creating them), atomically per row; returns the stored result. */
export async function upsertGroups(
  db: Sql,
  teamId: number,
  changes: readonly { index: number; key: string; set: Properties; createdAt: string }[],
): Promise<StoredGroup[]> {
  if (changes.length === 0) return [];
  const { rows } = await db.query<GroupDbRow>(
    `INSERT INTO posthog_group AS g (team_id, group_type_index, group_key, group_properties, created_at, version)
     SELECT $1, r.i, r.k, r.p, r.c::timestamptz, 0 FROM jsonb_to_recordset($2::jsonb) AS r(i integer, k text, p jsonb, c text)
     ON CONFLICT (team_id, group_type_index, group_key)
       DO UPDATE SET group_properties = g.group_properties || EXCLUDED.group_properties, version = g.version + 1
     RETURNING ${GROUP_COLUMNS}`,
    [teamId, JSON.stringify(changes.map((c) => ({ i: c.index, k: c.key, p: c.set, c: c.createdAt })))],
  );
  return rows.map(toGroup);
}
