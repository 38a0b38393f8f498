import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Sql } from '../ports/database';

// uuid parameters carry an explicit ::uuid cast: the RDS Data API binds strings as varchar.

export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface Team {
  readonly id: number;
  readonly uuid: string;
  readonly organizationId: string;
  readonly name: string;
  readonly apiToken: string;
  readonly secretApiToken: string | null;
  readonly timezone: string;
  /** The property filters that drop internal and test users from insights (PostHog's test_account_filters). */
  readonly testAccountFilters: readonly Record<string, unknown>[];
  /** Path cleaning rules ({alias, regex}) for paths insights (PostHog's path_cleaning_filters). */
  readonly pathCleaningFilters: readonly Record<string, unknown>[];
  readonly createdAt: string;
}

export interface User {
  readonly id: number;
  readonly uuid: string;
  readonly email: string;
  readonly organizationId: string;
}

export interface PersonalApiKey {
  readonly id: string;
  readonly userId: number;
  readonly label: string;
  readonly maskValue: string;
  readonly scopes: string[];
  /** Team ids the key is limited to; null = every team of the user's organisation. */
  readonly scopedTeams: number[] | null;
  readonly createdAt: string;
}

/** A random key with PostHog's prefixes: phc_ (project token), phs_ (project secret), phx_ (personal). */
export function generateKey(prefix: 'phc' | 'phs' | 'phx'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Personal API keys are stored as a SHA-256 digest only (the key itself is shown once). */
export function hashKey(value: string): string {
  return `sha256$${createHash('sha256').update(value).digest('hex')}`;
}

export function maskKey(value: string): string {
  return `${value.slice(0, 4)}...${value.slice(-4)}`;
}

const TEAM_COLUMNS = `id, uuid::text AS uuid, organization_id::text AS organization_id, name, api_token, secret_api_token, timezone,
  test_account_filters::text AS test_account_filters, path_cleaning_filters::text AS path_cleaning_filters, to_json(created_at) #>> '{}' AS created_at`;

interface TeamRow {
  id: string | number;
  uuid: string;
  organization_id: string;
  name: string;
  api_token: string;
  secret_api_token: string | null;
  timezone: string;
  test_account_filters: string;
  path_cleaning_filters: string;
  created_at: string;
}

const toTeam = (r: TeamRow): Team => ({
  id: Number(r.id),
  uuid: r.uuid,
  organizationId: r.organization_id,
  name: r.name,
  apiToken: r.api_token,
  secretApiToken: r.secret_api_token,
  timezone: r.timezone,
  testAccountFilters: JSON.parse(r.test_account_filters) as Record<string, unknown>[],
  pathCleaningFilters: JSON.parse(r.path_cleaning_filters) as Record<string, unknown>[],
  createdAt: new Date(r.created_at).toISOString(),
});

export async function createOrganization(db: Sql, name: string): Promise<Organization> {
  const id = randomUUID();
  const { rows } = await db.query<{ created_at: string }>(
    `INSERT INTO posthog_organization (id, name) VALUES ($1::uuid, $2) RETURNING to_json(created_at) #>> '{}' AS created_at`,
    [id, name],
  );
  return { id, name, createdAt: new Date(rows[0].created_at).toISOString() };
}

export async function createTeam(db: Sql, input: { organizationId: string; name: string; apiToken?: string }): Promise<Team> {
  const { rows } = await db.query<TeamRow>(
    `INSERT INTO posthog_team (uuid, organization_id, name, api_token, secret_api_token) VALUES ($1::uuid, $2::uuid, $3, $4, $5) RETURNING ${TEAM_COLUMNS}`,
    [randomUUID(), input.organizationId, input.name, input.apiToken ?? generateKey('phc'), generateKey('phs')],
  );
  return toTeam(rows[0]);
}

export async function findTeamById(db: Sql, id: number): Promise<Team | undefined> {
  const { rows } = await db.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM posthog_team WHERE id = $1`, [id]);
  return rows[0] && toTeam(rows[0]);
}

export async function findTeamByToken(db: Sql, apiToken: string): Promise<Team | undefined> {
  const { rows } = await db.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM posthog_team WHERE api_token = $1`, [apiToken]);
  return rows[0] && toTeam(rows[0]);
}

export async function findTeamBySecretToken(db: Sql, secret: string): Promise<Team | undefined> {
  const { rows } = await db.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM posthog_team WHERE secret_api_token = $1`, [secret]);
  return rows[0] && toTeam(rows[0]);
}

/** The project settings a PATCH of the project may change; absent fields stay as they are. */
export interface TeamSettings {
  readonly name?: string;
  readonly timezone?: string;
  readonly testAccountFilters?: readonly Record<string, unknown>[];
  readonly pathCleaningFilters?: readonly Record<string, unknown>[];
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

export async function updateTeamSettings(db: Sql, id: number, settings: TeamSettings): Promise<Team | undefined> {
  const { rows } = await db.query<TeamRow>(
    `UPDATE posthog_team SET name = COALESCE($2, name), timezone = COALESCE($3, timezone),
       test_account_filters = COALESCE($4::jsonb, test_account_filters), path_cleaning_filters = COALESCE($5::jsonb, path_cleaning_filters)
     WHERE id = $1 RETURNING ${TEAM_COLUMNS}`,
    [id, settings.name ?? null, settings.timezone ?? null, json(settings.testAccountFilters), json(settings.pathCleaningFilters)],
  );
  return rows[0] && toTeam(rows[0]);
}

export async function listTeams(db: Sql, organizationId: string): Promise<Team[]> {
  const { rows } = await db.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM posthog_team WHERE organization_id = $1::uuid ORDER BY id`, [organizationId]);
  return rows.map(toTeam);
}

export async function listAllTeams(db: Sql): Promise<Team[]> {
  const { rows } = await db.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM posthog_team ORDER BY id`);
  return rows.map(toTeam);
}

export async function createUser(db: Sql, input: { email: string; organizationId: string; firstName?: string }): Promise<User> {
  const uuid = randomUUID();
  const { rows } = await db.query<{ id: string | number }>(
    'INSERT INTO posthog_user (uuid, email, first_name, organization_id) VALUES ($1::uuid, $2, $3, $4::uuid) RETURNING id',
    [uuid, input.email, input.firstName ?? '', input.organizationId],
  );
  return { id: Number(rows[0].id), uuid, email: input.email, organizationId: input.organizationId };
}

export async function findUserByEmail(db: Sql, email: string): Promise<User | undefined> {
  const { rows } = await db.query<{ id: string | number; uuid: string; email: string; organization_id: string }>(
    'SELECT id, uuid::text AS uuid, email, organization_id::text AS organization_id FROM posthog_user WHERE email = $1',
    [email],
  );
  const r = rows[0];
  return r && { id: Number(r.id), uuid: r.uuid, email: r.email, organizationId: r.organization_id };
}

interface KeyRow {
  id: string;
  user_id: string | number;
  label: string;
  mask_value: string;
  scopes: string;
  scoped_teams: string | null;
  created_at: string;
}

const KEY_COLUMNS = `id, user_id, label, mask_value, scopes::text AS scopes, scoped_teams::text AS scoped_teams, to_json(created_at) #>> '{}' AS created_at`;

const toKey = (r: KeyRow): PersonalApiKey => ({
  id: r.id,
  userId: Number(r.user_id),
  label: r.label,
  maskValue: r.mask_value,
  scopes: JSON.parse(r.scopes) as string[],
  scopedTeams: r.scoped_teams === null ? null : (JSON.parse(r.scoped_teams) as number[] | null),
  createdAt: new Date(r.created_at).toISOString(),
});

/** Creates a personal API key; the plaintext `value` is returned here and never again. */
export async function createPersonalApiKey(
  db: Sql,
  input: { userId: number; label: string; scopes?: string[]; scopedTeams?: number[] | null; value?: string },
): Promise<{ key: PersonalApiKey; value: string }> {
  const value = input.value ?? generateKey('phx');
  const { rows } = await db.query<KeyRow>(
    `INSERT INTO posthog_personalapikey (id, user_id, label, secure_value, mask_value, scopes, scoped_teams)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb) RETURNING ${KEY_COLUMNS}`,
    [
      randomUUID(),
      input.userId,
      input.label,
      hashKey(value),
      maskKey(value),
      JSON.stringify(input.scopes ?? ['*']),
      input.scopedTeams ? JSON.stringify(input.scopedTeams) : null,
    ],
  );
  return { key: toKey(rows[0]), value };
}

/** The key (and its user) a plaintext personal API key belongs to. */
export async function findPersonalApiKey(db: Sql, value: string): Promise<{ key: PersonalApiKey; user: User } | undefined> {
  const { rows } = await db.query<KeyRow & { email: string; user_uuid: string; organization_id: string }>(
    `SELECT k.id, k.user_id, k.label, k.mask_value, k.scopes::text AS scopes, k.scoped_teams::text AS scoped_teams,
            to_json(k.created_at) #>> '{}' AS created_at, u.email, u.uuid::text AS user_uuid, u.organization_id::text AS organization_id
       FROM posthog_personalapikey k JOIN posthog_user u ON u.id = k.user_id
      WHERE k.secure_value = $1`,
    [hashKey(value)],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { key: toKey(r), user: { id: Number(r.user_id), uuid: r.user_uuid, email: r.email, organizationId: r.organization_id } };
}

export async function touchPersonalApiKey(db: Sql, id: string): Promise<void> {
  await db.query('UPDATE posthog_personalapikey SET last_used_at = now() WHERE id = $1', [id]);
}
