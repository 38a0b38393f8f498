import { randomBytes } from 'node:crypto';
import { userColumns, userOf, type UserBasic, type UserColumns } from '../accounts/user-basic';
import type { Sql } from '../ports/database';
import { containsPattern } from './fields';

// Saved insights live in posthog_dashboarditem (PostHog's model name); the dashboards an insight
// is on are its live tiles (posthog_dashboardtile) on live dashboards.

export interface InsightRecord {
  readonly id: number;
  readonly teamId: number;
  readonly shortId: string;
  readonly name: string | null;
  readonly derivedName: string | null;
  readonly description: string;
  readonly query: Record<string, unknown> | null;
  readonly filters: Record<string, unknown>;
  readonly favorited: boolean;
  readonly saved: boolean;
  readonly tags: readonly string[];
  readonly deleted: boolean;
  readonly lastRefresh: string | null;
  readonly createdAt: string;
  readonly createdBy: UserBasic | null;
  readonly lastModifiedAt: string;
  readonly lastModifiedBy: UserBasic | null;
  readonly tiles: readonly { readonly id: number; readonly dashboard_id: number; readonly deleted: boolean }[];
}

/** What a create or update writes: the record's own fields (`derived_name` as the API names it). */
export type InsightFields = Pick<InsightRecord, 'name' | 'description' | 'query' | 'filters' | 'favorited' | 'saved' | 'tags' | 'deleted'> & {
  readonly derived_name: string | null;
};

interface InsightRow extends UserColumns<'cu'>, UserColumns<'mu'> {
  id: number;
  team_id: string | number;
  short_id: string;
  name: string | null;
  derived_name: string | null;
  description: string;
  query: string | null;
  filters: string;
  favorited: boolean;
  saved: boolean;
  tags: string;
  deleted: boolean;
  last_refresh: string | null;
  created_at: string;
  last_modified_at: string;
  tiles: string;
}

const SELECT = `SELECT i.id, i.team_id, i.short_id, i.name, i.derived_name, i.description, i.query::text AS query, i.filters::text AS filters,
  i.favorited, i.saved, i.tags::text AS tags, i.deleted, to_json(i.last_refresh) #>> '{}' AS last_refresh,
  to_json(i.created_at) #>> '{}' AS created_at, to_json(i.last_modified_at) #>> '{}' AS last_modified_at,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'dashboard_id', t.dashboard_id, 'deleted', t.deleted) ORDER BY t.id), '[]'::jsonb)::text
     FROM posthog_dashboardtile t JOIN posthog_dashboard d ON d.id = t.dashboard_id
    WHERE t.insight_id = i.id AND NOT t.deleted AND NOT d.deleted) AS tiles,
  ${userColumns('cu')}, ${userColumns('mu')}
  FROM %FROM% i LEFT JOIN posthog_user cu ON cu.id = i.created_by_id LEFT JOIN posthog_user mu ON mu.id = i.last_modified_by_id`;

const select = (from = 'posthog_dashboarditem') => SELECT.replace('%FROM%', from);
const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

function toRecord(r: InsightRow): InsightRecord {
  return {
    id: Number(r.id),
    teamId: Number(r.team_id),
    shortId: r.short_id,
    name: r.name,
    derivedName: r.derived_name,
    description: r.description,
    query: r.query === null ? null : (JSON.parse(r.query) as Record<string, unknown>),
    filters: JSON.parse(r.filters) as Record<string, unknown>,
    favorited: r.favorited,
    saved: r.saved,
    tags: JSON.parse(r.tags) as string[],
    deleted: r.deleted,
    lastRefresh: iso(r.last_refresh),
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: userOf(r),
    lastModifiedAt: new Date(r.last_modified_at).toISOString(),
    lastModifiedBy: userOf(r, 'mu'),
    tiles: JSON.parse(r.tiles) as InsightRecord['tiles'],
  };
}

/** PostHog's short ids: 8 characters of [A-Za-z0-9]. */
export function newShortId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('');
}

export interface InsightListQuery {
  readonly limit: number;
  readonly offset: number;
  readonly search?: string;
  readonly saved?: boolean;
  readonly favorited?: boolean;
  readonly shortId?: string;
  readonly dashboardId?: number;
}

export async function listInsights(db: Sql, teamId: number, q: InsightListQuery): Promise<{ count: number; insights: InsightRecord[] }> {
  const where = `i.team_id = $1 AND NOT i.deleted
    AND ($2::text IS NULL OR i.name ILIKE $2::text OR i.derived_name ILIKE $2::text OR i.description ILIKE $2::text)
    AND ($3::boolean IS NULL OR i.saved = $3::boolean) AND ($4::boolean IS NULL OR i.favorited = $4::boolean)
    AND ($5::text IS NULL OR i.short_id = $5::text)
    AND ($6::int4 IS NULL OR EXISTS (SELECT 1 FROM posthog_dashboardtile t WHERE t.insight_id = i.id AND t.dashboard_id = $6::int4 AND NOT t.deleted))`;
  const params = [teamId, containsPattern(q.search), q.saved ?? null, q.favorited ?? null, q.shortId ?? null, q.dashboardId ?? null];
  const [list, total] = await Promise.all([
    db.query<InsightRow>(`${select()} WHERE ${where} ORDER BY i.last_modified_at DESC, i.id DESC LIMIT $7 OFFSET $8`, [...params, q.limit, q.offset]),
    db.query<{ n: number }>(`SELECT count(*)::int4 AS n FROM posthog_dashboarditem i WHERE ${where}`, params),
  ]);
  return { count: Number(total.rows[0].n), insights: list.rows.map(toRecord) };
}

/** One insight of the team, deleted or not. */
export async function findInsight(db: Sql, teamId: number, id: number): Promise<InsightRecord | undefined> {
  const { rows } = await db.query<InsightRow>(`${select()} WHERE i.team_id = $1 AND i.id = $2`, [teamId, id]);
  return rows[0] && toRecord(rows[0]);
}

/** The team's insights with these ids (for dashboards' tiles), deleted ones included. */
export async function findInsights(db: Sql, teamId: number, ids: readonly number[]): Promise<Map<number, InsightRecord>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<InsightRow>(`${select()} WHERE i.team_id = $1 AND i.id IN (SELECT jsonb_array_elements_text($2::jsonb)::int4)`, [teamId, JSON.stringify(ids)]);
  return new Map(rows.map((r) => [Number(r.id), toRecord(r)]));
}

const FIELDS = `jsonb_to_record($F::jsonb) AS r(name text, derived_name text, description text, query jsonb, filters jsonb,
  favorited boolean, saved boolean, tags jsonb, deleted boolean)`;

export async function insertInsight(db: Sql, teamId: number, fields: InsightFields, userId: number | null): Promise<InsightRecord> {
  const { rows } = await db.query<InsightRow>(
    `WITH saved AS (
       INSERT INTO posthog_dashboarditem (team_id, short_id, name, derived_name, description, query, filters, favorited, saved, tags, deleted,
                                          created_by_id, last_modified_by_id)
       SELECT $1, $4, r.name, r.derived_name, r.description, nullif(r.query, 'null'::jsonb), r.filters, r.favorited, r.saved, r.tags, r.deleted, $3, $3
         FROM ${FIELDS.replace('$F', '$2')}
       RETURNING *)
     ${select('saved')}`,
    [teamId, JSON.stringify(fields), userId, newShortId()],
  );
  return toRecord(rows[0]);
}

export async function updateInsight(db: Sql, teamId: number, id: number, fields: InsightFields, userId: number | null): Promise<void> {
  await db.query(
    `UPDATE posthog_dashboarditem AS p SET name = r.name, derived_name = r.derived_name, description = r.description,
            query = nullif(r.query, 'null'::jsonb), filters = r.filters, favorited = r.favorited, saved = r.saved, tags = r.tags,
            deleted = r.deleted, last_modified_at = now(), last_modified_by_id = $4
       FROM ${FIELDS.replace('$F', '$3')}
      WHERE p.team_id = $1 AND p.id = $2`,
    [teamId, id, JSON.stringify(fields), userId],
  );
}

export async function setInsightLastRefresh(db: Sql, id: number, lastRefresh: string): Promise<void> {
  await db.query('UPDATE posthog_dashboarditem SET last_refresh = $2::timestamptz WHERE id = $1', [id, lastRefresh]);
}

/** Puts the insight on exactly these dashboards (ids checked by the caller): new tiles added, others removed. */
export async function setInsightDashboards(tx: Sql, insightId: number, dashboardIds: readonly number[]): Promise<void> {
  const ids = JSON.stringify(dashboardIds);
  await tx.query(
    `DELETE FROM posthog_dashboardtile WHERE insight_id = $1 AND dashboard_id NOT IN (SELECT jsonb_array_elements_text($2::jsonb)::int4)`,
    [insightId, ids],
  );
  await tx.query(
    `INSERT INTO posthog_dashboardtile (dashboard_id, insight_id, layouts)
     SELECT d::int4, $1, '{}'::jsonb FROM jsonb_array_elements_text($2::jsonb) AS d
     ON CONFLICT (dashboard_id, insight_id) WHERE insight_id IS NOT NULL DO UPDATE SET deleted = false`,
    [insightId, ids],
  );
}
