import { userColumns, userOf, type UserBasic, type UserColumns } from '../accounts/user-basic';
import type { Sql } from '../ports/database';
import { containsPattern } from './fields';

// Annotations live in posthog_annotation. Organization-scoped ones show in every project of the
// organisation; the others only in their own project.

export const ANNOTATION_SCOPES = ['dashboard_item', 'dashboard', 'project', 'organization', 'recording'] as const;
export type AnnotationScope = (typeof ANNOTATION_SCOPES)[number];

export interface AnnotationRecord {
  readonly id: number;
  readonly teamId: number;
  readonly content: string | null;
  readonly dateMarker: string | null;
  readonly scope: AnnotationScope;
  readonly dashboardItem: number | null;
  readonly dashboardId: number | null;
  readonly dashboardName: string | null;
  readonly insightShortId: string | null;
  readonly insightName: string | null;
  readonly insightDerivedName: string | null;
  readonly creationType: 'USR' | 'GIT';
  readonly deleted: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: UserBasic | null;
}

export interface AnnotationFields {
  readonly content: string | null;
  readonly date_marker: string | null;
  readonly scope: AnnotationScope;
  readonly dashboard_item: number | null;
  readonly dashboard_id: number | null;
  readonly creation_type: 'USR' | 'GIT';
  readonly deleted: boolean;
}

interface AnnotationRow extends UserColumns {
  id: number;
  team_id: string | number;
  content: string | null;
  date_marker: string | null;
  scope: AnnotationScope;
  dashboard_item_id: number | null;
  dashboard_id: number | null;
  dashboard_name: string | null;
  insight_short_id: string | null;
  insight_name: string | null;
  insight_derived_name: string | null;
  creation_type: 'USR' | 'GIT';
  deleted: boolean;
  created_at: string;
  updated_at: string;
}

const SELECT = `SELECT a.id, a.team_id, a.content, to_json(a.date_marker) #>> '{}' AS date_marker, a.scope, a.dashboard_item_id, a.dashboard_id,
  d.name AS dashboard_name, i.short_id AS insight_short_id, i.name AS insight_name, i.derived_name AS insight_derived_name, a.creation_type,
  a.deleted, to_json(a.created_at) #>> '{}' AS created_at, to_json(a.updated_at) #>> '{}' AS updated_at,
  ${userColumns('cu')}
  FROM posthog_annotation a LEFT JOIN posthog_user cu ON cu.id = a.created_by_id
  LEFT JOIN posthog_dashboarditem i ON i.id = a.dashboard_item_id LEFT JOIN posthog_dashboard d ON d.id = a.dashboard_id`;

function toRecord(r: AnnotationRow): AnnotationRecord {
  return {
    id: Number(r.id),
    teamId: Number(r.team_id),
    content: r.content,
    dateMarker: r.date_marker === null ? null : new Date(r.date_marker).toISOString(),
    scope: r.scope,
    dashboardItem: r.dashboard_item_id === null ? null : Number(r.dashboard_item_id),
    dashboardId: r.dashboard_id === null ? null : Number(r.dashboard_id),
    dashboardName: r.dashboard_name,
    insightShortId: r.insight_short_id,
    insightName: r.insight_name,
    insightDerivedName: r.insight_derived_name,
    creationType: r.creation_type,
    deleted: r.deleted,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    createdBy: userOf(r),
  };
}

/** What the team sees: its own annotations and its organisation's. */
const VISIBLE = `(a.team_id = $1 OR (a.scope = 'organization' AND a.organization_id = $2::uuid))`;

export interface AnnotationListQuery {
  readonly limit: number;
  readonly offset: number;
  readonly search?: string;
  readonly scope?: AnnotationScope;
  readonly dateFrom?: Date;
  readonly dateTo?: Date;
}

export async function listAnnotations(db: Sql, team: { id: number; organizationId: string }, q: AnnotationListQuery): Promise<{ count: number; annotations: AnnotationRecord[] }> {
  const where = `${VISIBLE} AND NOT a.deleted AND ($3::text IS NULL OR a.content ILIKE $3::text) AND ($4::text IS NULL OR a.scope = $4::text)
    AND ($5::timestamptz IS NULL OR a.date_marker >= $5::timestamptz) AND ($6::timestamptz IS NULL OR a.date_marker <= $6::timestamptz)`;
  const params = [team.id, team.organizationId, containsPattern(q.search), q.scope ?? null, q.dateFrom?.toISOString() ?? null, q.dateTo?.toISOString() ?? null];
  const [list, total] = await Promise.all([
    db.query<AnnotationRow>(`${SELECT} WHERE ${where} ORDER BY a.date_marker DESC NULLS LAST, a.id DESC LIMIT $7 OFFSET $8`, [...params, q.limit, q.offset]),
    db.query<{ n: number }>(`SELECT count(*)::int4 AS n FROM posthog_annotation a WHERE ${where}`, params),
  ]);
  return { count: Number(total.rows[0].n), annotations: list.rows.map(toRecord) };
}

/** One annotation the team can see, deleted or not. */
export async function findAnnotation(db: Sql, team: { id: number; organizationId: string }, id: number): Promise<AnnotationRecord | undefined> {
  const { rows } = await db.query<AnnotationRow>(`${SELECT} WHERE ${VISIBLE} AND a.id = $3`, [team.id, team.organizationId, id]);
  return rows[0] && toRecord(rows[0]);
}

const FIELDS = `jsonb_to_record($F::jsonb) AS r(content text, date_marker timestamptz, scope text, dashboard_item int4, dashboard_id int4,
  creation_type text, deleted boolean)`;

export async function insertAnnotation(db: Sql, team: { id: number; organizationId: string }, fields: AnnotationFields, userId: number | null): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO posthog_annotation (team_id, organization_id, content, date_marker, scope, dashboard_item_id, dashboard_id, creation_type, deleted, created_by_id)
     SELECT $1, $2::uuid, r.content, r.date_marker, r.scope, r.dashboard_item, r.dashboard_id, r.creation_type, r.deleted, $4
       FROM ${FIELDS.replace('$F', '$3')} RETURNING id`,
    [team.id, team.organizationId, JSON.stringify(fields), userId],
  );
  return Number(rows[0].id);
}

export async function updateAnnotation(db: Sql, id: number, fields: AnnotationFields): Promise<void> {
  await db.query(
    `UPDATE posthog_annotation AS p SET content = r.content, date_marker = r.date_marker, scope = r.scope, dashboard_item_id = r.dashboard_item,
            dashboard_id = r.dashboard_id, creation_type = r.creation_type, deleted = r.deleted, updated_at = now()
       FROM ${FIELDS.replace('$F', '$2')} WHERE p.id = $1`,
    [id, JSON.stringify(fields)],
  );
}
