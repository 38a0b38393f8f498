import { userColumns, userOf, type UserBasic, type UserColumns as UserColumnsOf } from '../accounts/user-basic';
import type { Sql } from '../ports/database';
import type { EvaluationRuntime, FeatureFlag, FlagFilters } from './types';

export { flagsVersionStamp } from './definitions-version';
export { addHashKeyOverrides, hashKeyOverridesOf, moveHashKeyOverrides } from './hash-key-overrides';

// Flags live in posthog_featureflag; every save also writes the whole saved row to
// posthog_featureflagversion and bumps the team's definitions version, in one statement.


/** A stored flag: the evaluated definition plus what the REST API shows. */
export interface FlagRecord extends FeatureFlag {
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: UserBasic | null;
  readonly lastModifiedBy: UserBasic | null;
}

/** Everything a save writes (validated and normalised by flag-validation.ts). */
export interface FlagFields {
  readonly key: string;
  readonly name: string;
  readonly filters: FlagFilters;
  readonly active: boolean;
  readonly deleted: boolean;
  readonly ensure_experience_continuity: boolean;
  readonly has_encrypted_payloads: boolean;
  readonly evaluation_runtime: EvaluationRuntime;
  readonly evaluation_tags: readonly string[];
  readonly tags: readonly string[];
  readonly bucketing_identifier: 'distinct_id' | 'device_id';
}

/** What a version row records: the save that produced it. */
export type FlagActivity = 'created' | 'updated' | 'deleted' | 'restored';

export interface FlagVersion {
  readonly version: number;
  readonly activity: FlagActivity;
  readonly createdAt: string;
  readonly createdBy: UserBasic | null;
  /** The flag's row as saved (posthog_featureflag columns). */
  readonly definition: Record<string, unknown>;
}

interface FlagRow {
  id: number;
  team_id: string | number;
  key: string;
  name: string;
  filters: string;
  active: boolean;
  deleted: boolean;
  version: number;
  ensure_experience_continuity: boolean;
  has_encrypted_payloads: boolean;
  evaluation_runtime: EvaluationRuntime;
  evaluation_tags: string;
  tags: string;
  bucketing_identifier: 'distinct_id' | 'device_id';
  created_at: string;
  updated_at: string;
}

type UserColumns = UserColumnsOf<'cu'> & UserColumnsOf<'mu'>;

const DEFINITION_COLUMNS = `f.id, f.team_id, f.key, f.name, f.filters::text AS filters, f.active, f.deleted, f.version,
  f.ensure_experience_continuity, f.has_encrypted_payloads, f.evaluation_runtime, f.evaluation_tags::text AS evaluation_tags,
  f.tags::text AS tags, f.bucketing_identifier, to_json(f.created_at) #>> '{}' AS created_at, to_json(f.updated_at) #>> '{}' AS updated_at`;

/** `f` is the flag (table or CTE); the users it names are joined for the API. */
const RECORD_SELECT = `SELECT ${DEFINITION_COLUMNS}, ${userColumns('cu')}, ${userColumns('mu')}
  FROM %FROM% f LEFT JOIN posthog_user cu ON cu.id = f.created_by_id LEFT JOIN posthog_user mu ON mu.id = f.last_modified_by_id`;

const recordSelect = (from: string) => RECORD_SELECT.replace('%FROM%', from);

function toFlag(r: FlagRow): FeatureFlag {
  return {
    id: Number(r.id),
    team_id: Number(r.team_id),
    key: r.key,
    name: r.name,
    active: r.active,
    deleted: r.deleted,
    version: Number(r.version),
    ensure_experience_continuity: r.ensure_experience_continuity,
    has_encrypted_payloads: r.has_encrypted_payloads,
    evaluation_runtime: r.evaluation_runtime,
    evaluation_tags: JSON.parse(r.evaluation_tags) as string[],
    bucketing_identifier: r.bucketing_identifier,
    filters: JSON.parse(r.filters) as FlagFilters,
  };
}

function toRecord(r: FlagRow & UserColumns): FlagRecord {
  return {
    ...toFlag(r),
    tags: JSON.parse(r.tags) as string[],
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    createdBy: userOf(r, 'cu'),
    lastModifiedBy: userOf(r, 'mu'),
  };
}

/** The team's non-deleted flags (active or not), by key: what the evaluators and SDKs receive. */
export async function listActiveFlags(db: Sql, teamId: number): Promise<FeatureFlag[]> {
  const { rows } = await db.query<FlagRow>(`SELECT ${DEFINITION_COLUMNS} FROM posthog_featureflag f WHERE f.team_id = $1 AND NOT f.deleted ORDER BY f.key`, [teamId]);
  return rows.map(toFlag);
}

export interface FlagListQuery {
  /** Case-insensitive substring of the key or the name. */
  readonly search?: string;
  readonly active?: boolean;
  readonly limit: number;
  readonly offset: number;
}

/** A page of the team's non-deleted flags, newest first, with the total that match. */
export async function listFlags(db: Sql, teamId: number, query: FlagListQuery): Promise<{ count: number; flags: FlagRecord[] }> {
  const where = ['f.team_id = $1', 'NOT f.deleted', '($2::boolean IS NULL OR f.active = $2::boolean)', "($3::text IS NULL OR f.key ILIKE $3::text OR f.name ILIKE $3::text)"];
  const pattern = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const params = [teamId, query.active ?? null, pattern];
  const [page, total] = await Promise.all([
    db.query<FlagRow & UserColumns>(`${recordSelect('posthog_featureflag')} WHERE ${where.join(' AND ')} ORDER BY f.created_at DESC, f.id DESC LIMIT $4 OFFSET $5`, [
      ...params,
      query.limit,
      query.offset,
    ]),
    db.query<{ n: number }>(`SELECT count(*)::int4 AS n FROM posthog_featureflag f WHERE ${where.join(' AND ')}`, params),
  ]);
  return { count: Number(total.rows[0].n), flags: page.rows.map(toRecord) };
}

/** One flag of the team, deleted or not; `forUpdate` locks its row until the transaction ends. */
export async function findFlag(db: Sql, teamId: number, id: number, options: { forUpdate?: boolean } = {}): Promise<FlagRecord | undefined> {
  const { rows } = await db.query<FlagRow & UserColumns>(
    `${recordSelect('posthog_featureflag')} WHERE f.team_id = $1 AND f.id = $2${options.forUpdate ? ' FOR UPDATE OF f' : ''}`,
    [teamId, id],
  );
  return rows[0] && toRecord(rows[0]);
}

const FIELDS_RECORD = `jsonb_to_record($FIELDS::jsonb) AS r(key text, name text, filters jsonb, active boolean, deleted boolean,
  ensure_experience_continuity boolean, has_encrypted_payloads boolean, evaluation_runtime text, evaluation_tags jsonb, tags jsonb,
  bucketing_identifier text)`;

const fieldsRecord = (n: number) => FIELDS_RECORD.replace('$FIELDS', `$${n}`);

/** The version row and the definitions-version bump that go with every save of `saved`. */
const SAVE_SIDE_EFFECTS = `
  v AS (INSERT INTO posthog_featureflagversion (team_id, feature_flag_id, version, activity, definition, created_by_id)
        SELECT team_id, id, version, $ACTIVITY, to_jsonb(saved), last_modified_by_id FROM saved RETURNING 1),
  stamp AS (INSERT INTO hedgerow_flagdefinitionsversion AS d (team_id, version) SELECT team_id, 1 FROM saved
            ON CONFLICT (team_id) DO UPDATE SET version = d.version + 1, updated_at = now() RETURNING 1)`;

/** Inserts a flag at version 1 (and its first version row). A live flag with the key → unique violation (23505). */
export async function insertFlag(tx: Sql, teamId: number, fields: FlagFields, userId: number | null): Promise<FlagRecord> {
  const { rows } = await tx.query<FlagRow & UserColumns>(
    `WITH saved AS (
       INSERT INTO posthog_featureflag (team_id, key, name, filters, active, deleted, version, ensure_experience_continuity, has_encrypted_payloads,
                                        evaluation_runtime, evaluation_tags, tags, bucketing_identifier, created_by_id, last_modified_by_id)
       SELECT $1, r.key, r.name, r.filters, r.active, r.deleted, 1, r.ensure_experience_continuity, r.has_encrypted_payloads,
              r.evaluation_runtime, r.evaluation_tags, r.tags, r.bucketing_identifier, $3, $3
         FROM ${fieldsRecord(2)}
       RETURNING *),
     ${SAVE_SIDE_EFFECTS.replace('$ACTIVITY', "'created'")}
     ${recordSelect('saved')}`,
    [teamId, JSON.stringify(fields), userId],
  );
  return toRecord(rows[0]);
}

/** Saves a flag's fields as its next version; undefined when the team has no such flag. */
export async function updateFlag(tx: Sql, teamId: number, id: number, fields: FlagFields, userId: number | null, activity: FlagActivity): Promise<FlagRecord | undefined> {
  const { rows } = await tx.query<FlagRow & UserColumns>(
    `WITH saved AS (
       UPDATE posthog_featureflag AS p SET key = r.key, name = r.name, filters = r.filters, active = r.active, deleted = r.deleted,
              version = p.version + 1, ensure_experience_continuity = r.ensure_experience_continuity, has_encrypted_payloads = r.has_encrypted_payloads,
              evaluation_runtime = r.evaluation_runtime, evaluation_tags = r.evaluation_tags, tags = r.tags,
              bucketing_identifier = r.bucketing_identifier, last_modified_by_id = $4, updated_at = now()
         FROM ${fieldsRecord(3)}
        WHERE p.team_id = $1 AND p.id = $2
       RETURNING p.*),
     ${SAVE_SIDE_EFFECTS.replace('$ACTIVITY', '$5::text')}
     ${recordSelect('saved')}`,
    [teamId, id, JSON.stringify(fields), userId, activity],
  );
  return rows[0] && toRecord(rows[0]);
}

/** A flag's saved versions, newest first. */
export async function listFlagVersions(db: Sql, teamId: number, flagId: number, page: { limit: number; offset: number }): Promise<{ count: number; versions: FlagVersion[] }> {
  const [list, total] = await Promise.all([
    db.query<{ version: number; activity: FlagActivity; created_at: string; definition: string } & UserColumns>(
      `SELECT v.version, v.activity, to_json(v.created_at) #>> '{}' AS created_at, v.definition::text AS definition, ${userColumns('cu')}
         FROM posthog_featureflagversion v LEFT JOIN posthog_user cu ON cu.id = v.created_by_id
        WHERE v.team_id = $1 AND v.feature_flag_id = $2
        ORDER BY v.version DESC LIMIT $3 OFFSET $4`,
      [teamId, flagId, page.limit, page.offset],
    ),
    db.query<{ n: number }>('SELECT count(*)::int4 AS n FROM posthog_featureflagversion WHERE team_id = $1 AND feature_flag_id = $2', [teamId, flagId]),
  ]);
  return {
    count: Number(total.rows[0].n),
    versions: list.rows.map((r) => ({
      version: Number(r.version),
      activity: r.activity,
      createdAt: new Date(r.created_at).toISOString(),
      createdBy: userOf(r, 'cu'),
      definition: JSON.parse(r.definition) as Record<string, unknown>,
    })),
  };
}
