import { randomUUID } from 'node:crypto';
import type { Sql } from '../ports/database';
import type { InsightVariableType, VariableDefinition } from '../query/types';

// SQL variables (PostHog's InsightVariable) live in posthog_insightvariable, one set per team.

export interface InsightVariableRecord {
  readonly id: string;
  readonly teamId: number;
  readonly name: string;
  readonly codeName: string;
  readonly type: InsightVariableType;
  readonly defaultValue: unknown;
  readonly values: unknown[] | null;
  readonly createdAt: string;
  readonly createdById: number | null;
}

export interface InsightVariableFields {
  readonly name: string;
  readonly type: InsightVariableType;
  readonly default_value: unknown;
  readonly values: unknown[] | null;
}

interface VariableRow {
  id: string;
  team_id: string | number;
  name: string;
  code_name: string;
  type: InsightVariableType;
  default_value: string | null;
  values: string | null;
  created_at: string;
  created_by_id: string | number | null;
}

// jsonb is read as text: every adapter (node-postgres, PGlite, the RDS Data API) passes text alike.
const SELECT = `SELECT id::text AS id, team_id, name, code_name, type, default_value::text AS default_value, "values"::text AS "values", to_json(created_at) #>> '{}' AS created_at, created_by_id
  FROM posthog_insightvariable`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const parsed = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

function toRecord(r: VariableRow): InsightVariableRecord {
  return {
    id: r.id,
    teamId: Number(r.team_id),
    name: r.name,
    codeName: r.code_name,
    type: r.type,
    defaultValue: parsed(r.default_value),
    values: parsed(r.values) as unknown[] | null,
    createdAt: new Date(r.created_at).toISOString(),
    createdById: r.created_by_id === null ? null : Number(r.created_by_id),
  };
}

/**
 * PostHog's code name: the name's letters, digits, spaces and underscores, spaces made
 * underscores, lower-cased ("Event name!" → "event_name").
 */
export function codeNameOf(name: string): string {
  // Lower-cased first: lower-casing may itself give marks (İ → i̇), which are then dropped too.
  return [...name.toLowerCase()]
    .filter((c) => /[\p{L}\p{N} _]/u.test(c))
    .join('')
    .replace(/ /g, '_');
}

export async function listInsightVariables(db: Sql, teamId: number, page: { limit: number; offset: number }): Promise<{ count: number; variables: InsightVariableRecord[] }> {
  const [list, total] = await Promise.all([
    db.query<VariableRow>(`${SELECT} WHERE team_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`, [teamId, page.limit, page.offset]),
    db.query<{ n: number }>('SELECT count(*)::int4 AS n FROM posthog_insightvariable WHERE team_id = $1', [teamId]),
  ]);
  return { count: Number(total.rows[0].n), variables: list.rows.map(toRecord) };
}

/** The team's variable with this id; undefined for another team's, or an id that is not a uuid. */
export async function findInsightVariable(db: Sql, teamId: number, id: string): Promise<InsightVariableRecord | undefined> {
  if (!UUID.test(id)) return undefined;
  const { rows } = await db.query<VariableRow>(`${SELECT} WHERE team_id = $1 AND id = $2::uuid`, [teamId, id]);
  return rows[0] && toRecord(rows[0]);
}

/** Whether another variable of the team already has this code name. */
export async function codeNameTaken(db: Sql, teamId: number, codeName: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM posthog_insightvariable WHERE team_id = $1 AND code_name = $2', [teamId, codeName]);
  return rows.length > 0;
}

export async function insertInsightVariable(db: Sql, teamId: number, fields: InsightVariableFields, userId: number | null): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO posthog_insightvariable (id, team_id, name, code_name, type, default_value, "values", created_by_id)
     VALUES ($1::uuid, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8)`,
    [id, teamId, fields.name, codeNameOf(fields.name), fields.type, JSON.stringify(fields.default_value ?? null), fields.values === null ? null : JSON.stringify(fields.values), userId],
  );
  return id;
}

/** Updates name, type, default and values; the code name stays what it was created as (PostHog's is read-only). */
export async function updateInsightVariable(db: Sql, teamId: number, id: string, fields: InsightVariableFields): Promise<void> {
  await db.query(
    `UPDATE posthog_insightvariable SET name = $3, type = $4, default_value = $5::jsonb, "values" = $6::jsonb, updated_at = now()
      WHERE team_id = $1 AND id = $2::uuid`,
    [teamId, id, fields.name, fields.type, JSON.stringify(fields.default_value ?? null), fields.values === null ? null : JSON.stringify(fields.values)],
  );
}

export async function deleteInsightVariable(db: Sql, teamId: number, id: string): Promise<void> {
  await db.query('DELETE FROM posthog_insightvariable WHERE team_id = $1 AND id = $2::uuid', [teamId, id]);
}

/** Every variable of the team, as queries resolve `{variables.x}` against them. */
export async function loadVariableDefinitions(db: Sql, teamId: number): Promise<VariableDefinition[]> {
  const { rows } = await db.query<VariableRow>(`${SELECT} WHERE team_id = $1`, [teamId]);
  return rows.map((r) => ({ id: r.id, codeName: r.code_name, type: r.type, defaultValue: parsed(r.default_value) }));
}
