import { userColumns, userOf, type UserBasic, type UserColumns } from '../accounts/user-basic';
import type { Sql } from '../ports/database';
import type { ActionDefinition, ActionStep } from '../query/types';
import { containsPattern } from './fields';

// Actions live in posthog_action; their steps in steps_json (PostHog's ActionStepJSON list).

export interface ActionRecord extends ActionDefinition {
  readonly description: string;
  readonly tags: readonly string[];
  readonly postToSlack: boolean;
  readonly slackMessageFormat: string;
  readonly pinnedAt: string | null;
  readonly deleted: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: UserBasic | null;
}

export interface ActionFields {
  readonly name: string;
  readonly description: string;
  readonly steps: readonly ActionStep[];
  readonly tags: readonly string[];
  readonly post_to_slack: boolean;
  readonly slack_message_format: string;
  readonly pinned_at: string | null;
  readonly deleted: boolean;
}

interface ActionRow extends UserColumns {
  id: number;
  team_id: string | number;
  name: string | null;
  description: string;
  steps_json: string;
  tags: string;
  post_to_slack: boolean;
  slack_message_format: string;
  pinned_at: string | null;
  deleted: boolean;
  created_at: string;
  updated_at: string;
}

const SELECT = `SELECT a.id, a.team_id, a.name, a.description, a.steps_json::text AS steps_json, a.tags::text AS tags, a.post_to_slack,
  a.slack_message_format, to_json(a.pinned_at) #>> '{}' AS pinned_at, a.deleted, to_json(a.created_at) #>> '{}' AS created_at,
  to_json(a.updated_at) #>> '{}' AS updated_at, ${userColumns('cu')}
  FROM %FROM% a LEFT JOIN posthog_user cu ON cu.id = a.created_by_id`;

const select = (from = 'posthog_action') => SELECT.replace('%FROM%', from);


const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

function toRecord(r: ActionRow): ActionRecord {
  return {
    id: Number(r.id),
    team_id: Number(r.team_id),
    name: r.name ?? '',
    steps: JSON.parse(r.steps_json) as ActionStep[],
    description: r.description,
    tags: JSON.parse(r.tags) as string[],
    postToSlack: r.post_to_slack,
    slackMessageFormat: r.slack_message_format,
    pinnedAt: iso(r.pinned_at),
    deleted: r.deleted,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    createdBy: userOf(r),
  };
}

export async function listActions(db: Sql, teamId: number, page: { limit: number; offset: number; search?: string }): Promise<{ count: number; actions: ActionRecord[] }> {
  const where = 'a.team_id = $1 AND NOT a.deleted AND ($2::text IS NULL OR a.name ILIKE $2::text)';
  const params = [teamId, containsPattern(page.search)];
  const [list, total] = await Promise.all([
    db.query<ActionRow>(`${select()} WHERE ${where} ORDER BY a.pinned_at DESC NULLS LAST, a.created_at DESC, a.id DESC LIMIT $3 OFFSET $4`, [...params, page.limit, page.offset]),
    db.query<{ n: number }>(`SELECT count(*)::int4 AS n FROM posthog_action a WHERE ${where}`, params),
  ]);
  return { count: Number(total.rows[0].n), actions: list.rows.map(toRecord) };
}

/** One action of the team, deleted or not. */
export async function findAction(db: Sql, teamId: number, id: number): Promise<ActionRecord | undefined> {
  const { rows } = await db.query<ActionRow>(`${select()} WHERE a.team_id = $1 AND a.id = $2`, [teamId, id]);
  return rows[0] && toRecord(rows[0]);
}

/** The team's live action (what queries match against), or undefined when deleted or another team's. */
export async function loadActionDefinition(db: Sql, teamId: number, id: number): Promise<ActionDefinition | undefined> {
  if (!Number.isInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
  const action = await findAction(db, teamId, id);
  return action && !action.deleted ? { id: action.id, team_id: action.team_id, name: action.name, steps: action.steps } : undefined;
}

/** Whether another live action of the team has this name. */
export async function actionNameTaken(db: Sql, teamId: number, name: string, exceptId?: number): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM posthog_action WHERE team_id = $1 AND name = $2 AND NOT deleted AND id <> $3 LIMIT 1', [teamId, name, exceptId ?? 0]);
  return rows.length > 0;
}

const FIELDS = `jsonb_to_record($F::jsonb) AS r(name text, description text, steps jsonb, tags jsonb, post_to_slack boolean,
  slack_message_format text, pinned_at timestamptz, deleted boolean)`;

export async function insertAction(db: Sql, teamId: number, fields: ActionFields, userId: number | null): Promise<ActionRecord> {
  const { rows } = await db.query<ActionRow>(
    `WITH saved AS (
       INSERT INTO posthog_action (team_id, name, description, steps_json, tags, post_to_slack, slack_message_format, pinned_at, deleted, created_by_id)
       SELECT $1, r.name, r.description, r.steps, r.tags, r.post_to_slack, r.slack_message_format, r.pinned_at, r.deleted, $3
         FROM ${FIELDS.replace('$F', '$2')}
       RETURNING *)
     ${select('saved')}`,
    [teamId, JSON.stringify(fields), userId],
  );
  return toRecord(rows[0]);
}

export async function updateAction(db: Sql, teamId: number, id: number, fields: ActionFields): Promise<ActionRecord | undefined> {
  const { rows } = await db.query<ActionRow>(
    `WITH saved AS (
       UPDATE posthog_action AS p SET name = r.name, description = r.description, steps_json = r.steps, tags = r.tags,
              post_to_slack = r.post_to_slack, slack_message_format = r.slack_message_format, pinned_at = r.pinned_at,
              deleted = r.deleted, updated_at = now()
         FROM ${FIELDS.replace('$F', '$3')}
        WHERE p.team_id = $1 AND p.id = $2
       RETURNING p.*)
     ${select('saved')}`,
    [teamId, id, JSON.stringify(fields)],
  );
  return rows[0] && toRecord(rows[0]);
}
