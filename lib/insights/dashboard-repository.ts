import { userColumns, userOf, type UserBasic, type UserColumns } from '../accounts/user-basic';
import type { Sql } from '../ports/database';
import { containsPattern } from './fields';

// Dashboards live in posthog_dashboard; their tiles (an insight or a text card each) in
// posthog_dashboardtile, text cards in posthog_text.

export interface DashboardRecord {
  readonly id: number;
  readonly teamId: number;
  readonly name: string | null;
  readonly description: string;
  readonly pinned: boolean;
  readonly filters: Record<string, unknown>;
  readonly variables: Record<string, unknown>;
  readonly tags: readonly string[];
  readonly deleted: boolean;
  readonly createdAt: string;
  readonly createdBy: UserBasic | null;
  readonly lastAccessedAt: string | null;
}

/** What a create or update writes: the record's own fields. */
export type DashboardFields = Pick<DashboardRecord, 'name' | 'description' | 'pinned' | 'filters' | 'variables' | 'tags' | 'deleted'>;

export interface TextRecord {
  readonly id: number;
  readonly body: string | null;
  readonly createdBy: UserBasic | null;
  readonly lastModifiedAt: string;
}

export interface TileRecord {
  readonly id: number;
  readonly dashboardId: number;
  readonly insightId: number | null;
  readonly text: TextRecord | null;
  readonly layouts: Record<string, unknown>;
  readonly color: string | null;
}

interface DashboardRow extends UserColumns {
  id: number;
  team_id: string | number;
  name: string | null;
  description: string;
  pinned: boolean;
  filters: string;
  variables: string;
  tags: string;
  deleted: boolean;
  created_at: string;
  last_accessed_at: string | null;
}

const SELECT = `SELECT d.id, d.team_id, d.name, d.description, d.pinned, d.filters::text AS filters, d.variables::text AS variables,
  d.tags::text AS tags, d.deleted, to_json(d.created_at) #>> '{}' AS created_at, to_json(d.last_accessed_at) #>> '{}' AS last_accessed_at,
  ${userColumns('cu')}
  FROM %FROM% d LEFT JOIN posthog_user cu ON cu.id = d.created_by_id`;

const select = (from = 'posthog_dashboard') => SELECT.replace('%FROM%', from);

function toRecord(r: DashboardRow): DashboardRecord {
  return {
    id: Number(r.id),
    teamId: Number(r.team_id),
    name: r.name,
    description: r.description,
    pinned: r.pinned,
    filters: JSON.parse(r.filters) as Record<string, unknown>,
    variables: JSON.parse(r.variables) as Record<string, unknown>,
    tags: JSON.parse(r.tags) as string[],
    deleted: r.deleted,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: userOf(r),
    lastAccessedAt: r.last_accessed_at === null ? null : new Date(r.last_accessed_at).toISOString(),
  };
}

export async function listDashboards(db: Sql, teamId: number, q: { limit: number; offset: number; search?: string; pinned?: boolean }): Promise<{ count: number; dashboards: DashboardRecord[] }> {
  const where = `d.team_id = $1 AND NOT d.deleted AND ($2::text IS NULL OR d.name ILIKE $2::text OR d.description ILIKE $2::text)
    AND ($3::boolean IS NULL OR d.pinned = $3::boolean)`;
  const params = [teamId, containsPattern(q.search), q.pinned ?? null];
  const [list, total] = await Promise.all([
    db.query<DashboardRow>(`${select()} WHERE ${where} ORDER BY d.pinned DESC, d.name ASC, d.id ASC LIMIT $4 OFFSET $5`, [...params, q.limit, q.offset]),
    db.query<{ n: number }>(`SELECT count(*)::int4 AS n FROM posthog_dashboard d WHERE ${where}`, params),
  ]);
  return { count: Number(total.rows[0].n), dashboards: list.rows.map(toRecord) };
}

export async function findDashboard(db: Sql, teamId: number, id: number): Promise<DashboardRecord | undefined> {
  const { rows } = await db.query<DashboardRow>(`${select()} WHERE d.team_id = $1 AND d.id = $2`, [teamId, id]);
  return rows[0] && toRecord(rows[0]);
}

/** Of these ids, those naming live dashboards of the team. */
export async function liveDashboardIds(db: Sql, teamId: number, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ id: number }>(
    'SELECT id FROM posthog_dashboard WHERE team_id = $1 AND NOT deleted AND id IN (SELECT jsonb_array_elements_text($2::jsonb)::int4)',
    [teamId, JSON.stringify(ids.filter((id) => id <= 2_147_483_647))],
  );
  return new Set(rows.map((r) => Number(r.id)));
}

const FIELDS = `jsonb_to_record($F::jsonb) AS r(name text, description text, pinned boolean, filters jsonb, variables jsonb, tags jsonb, deleted boolean)`;

export async function insertDashboard(db: Sql, teamId: number, fields: DashboardFields, userId: number | null): Promise<DashboardRecord> {
  const { rows } = await db.query<DashboardRow>(
    `WITH saved AS (
       INSERT INTO posthog_dashboard (team_id, name, description, pinned, filters, variables, tags, deleted, created_by_id)
       SELECT $1, r.name, r.description, r.pinned, r.filters, r.variables, r.tags, r.deleted, $3 FROM ${FIELDS.replace('$F', '$2')}
       RETURNING *)
     ${select('saved')}`,
    [teamId, JSON.stringify(fields), userId],
  );
  return toRecord(rows[0]);
}

export async function updateDashboard(db: Sql, teamId: number, id: number, fields: DashboardFields): Promise<void> {
  await db.query(
    `UPDATE posthog_dashboard AS p SET name = r.name, description = r.description, pinned = r.pinned, filters = r.filters,
            variables = r.variables, tags = r.tags, deleted = r.deleted
       FROM ${FIELDS.replace('$F', '$3')} WHERE p.team_id = $1 AND p.id = $2`,
    [teamId, id, JSON.stringify(fields)],
  );
}

export async function touchDashboard(db: Sql, id: number): Promise<void> {
  await db.query('UPDATE posthog_dashboard SET last_accessed_at = now() WHERE id = $1', [id]);
}

interface TileRow extends UserColumns {
  id: number;
  dashboard_id: number;
  insight_id: number | null;
  text_id: number | null;
  body: string | null;
  text_modified_at: string | null;
  layouts: string;
  color: string | null;
}

/** A dashboard's live tiles, in creation order. */
export async function listTiles(db: Sql, dashboardId: number): Promise<TileRecord[]> {
  const { rows } = await db.query<TileRow>(
    `SELECT t.id, t.dashboard_id, t.insight_id, t.text_id, x.body, to_json(x.last_modified_at) #>> '{}' AS text_modified_at, t.layouts::text AS layouts,
            t.color, ${userColumns('cu')}
       FROM posthog_dashboardtile t LEFT JOIN posthog_text x ON x.id = t.text_id LEFT JOIN posthog_user cu ON cu.id = x.created_by_id
      WHERE t.dashboard_id = $1 AND NOT t.deleted ORDER BY t.id`,
    [dashboardId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    dashboardId: Number(r.dashboard_id),
    insightId: r.insight_id === null ? null : Number(r.insight_id),
    text: r.text_id === null ? null : { id: Number(r.text_id), body: r.body, createdBy: userOf(r), lastModifiedAt: new Date(r.text_modified_at!).toISOString() },
    layouts: JSON.parse(r.layouts) as Record<string, unknown>,
    color: r.color,
  }));
}

export async function insertTextTile(tx: Sql, teamId: number, dashboardId: number, tile: { body: string; layouts: Record<string, unknown>; color: string | null }, userId: number | null): Promise<void> {
  await tx.query(
    `WITH x AS (INSERT INTO posthog_text (team_id, body, created_by_id, last_modified_by_id) VALUES ($1, $3, $5, $5) RETURNING id)
     INSERT INTO posthog_dashboardtile (dashboard_id, text_id, layouts, color) SELECT $2, x.id, $4::jsonb, $6 FROM x`,
    [teamId, dashboardId, tile.body, JSON.stringify(tile.layouts), userId, tile.color],
  );
}

export async function insertInsightTile(tx: Sql, dashboardId: number, insightId: number, layouts: Record<string, unknown>, color: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO posthog_dashboardtile (dashboard_id, insight_id, layouts, color) VALUES ($1, $2, $3::jsonb, $4)
     ON CONFLICT (dashboard_id, insight_id) WHERE insight_id IS NOT NULL DO UPDATE SET deleted = false, layouts = EXCLUDED.layouts, color = EXCLUDED.color`,
    [dashboardId, insightId, JSON.stringify(layouts), color],
  );
}

export async function updateTile(
  tx: Sql,
  dashboardId: number,
  tileId: number,
  change: { layouts?: Record<string, unknown>; color?: string | null; body?: string; deleted?: boolean },
  userId: number | null,
): Promise<boolean> {
  const { rows } = await tx.query<{ text_id: number | null }>(
    `UPDATE posthog_dashboardtile SET layouts = coalesce($3::jsonb, layouts), color = CASE WHEN $4::boolean THEN $5 ELSE color END,
            deleted = coalesce($6::boolean, deleted)
      WHERE dashboard_id = $1 AND id = $2 AND NOT deleted RETURNING text_id`,
    [dashboardId, tileId, change.layouts ? JSON.stringify(change.layouts) : null, change.color !== undefined, change.color ?? null, change.deleted ?? null],
  );
  if (rows.length === 0) return false;
  if (change.body !== undefined && rows[0].text_id !== null) {
    await tx.query('UPDATE posthog_text SET body = $2, last_modified_at = now(), last_modified_by_id = $3 WHERE id = $1', [rows[0].text_id, change.body, userId]);
  }
  return true;
}
