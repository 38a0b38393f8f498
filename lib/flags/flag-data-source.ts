import type { Database } from '../ports/database';
import { addHashKeyOverrides } from './hash-key-overrides';

/** What the server knows of the subject of a `/flags` request. */
export interface FlagSubject {
  /** The person's uuid, when the source knows it (lets caches forget a person's answers). */
  readonly personId?: string;
  /** Stored person properties; undefined when the distinct id has no person. */
  readonly personProperties: Record<string, unknown> | undefined;
  readonly staticCohortIds: readonly number[];
  /** flag key → hash key (experience continuity). */
  readonly hashKeyOverrides: Readonly<Record<string, string>>;
  /** `${index}:${key}` → stored group properties. */
  readonly groupProperties: ReadonlyMap<string, Record<string, unknown>>;
}

export interface FlagSubjectQuery {
  readonly teamId: number;
  readonly distinctId: string;
  readonly groups: readonly { readonly index: number; readonly key: string }[];
  /** Whether to read the person (properties, static cohorts, overrides) at all. */
  readonly person: boolean;
}

/**
 * Where `/flags` reads persons and groups. Locally (and in the scale profile) that is Postgres;
 * a projection that ingestion keeps current can stand in for it (lean: Aurora may be paused).
 */
export interface FlagDataSource {
  load(query: FlagSubjectQuery): Promise<FlagSubject>;
  /**
   * Experience continuity (contract §3.9): for the person owning `distinctId`, record `hashKey`
   * (the anonymous id) for every listed flag that has no override yet. Returns the overrides after.
   */
  addHashKeyOverrides(teamId: number, distinctId: string, hashKey: string, flagKeys: readonly string[]): Promise<Record<string, string>>;
}

export const NO_SUBJECT: FlagSubject = { personProperties: undefined, staticCohortIds: [], hashKeyOverrides: {}, groupProperties: new Map() };

/** Everything about a request's subject in one round trip to Postgres. */
export class PostgresFlagDataSource implements FlagDataSource {
  constructor(private readonly db: Database) {}

  async load(query: FlagSubjectQuery): Promise<FlagSubject> {
    if (!query.person && query.groups.length === 0) return NO_SUBJECT;
    const { rows } = await this.db.query<{ person_id: string | null; person_properties: string | null; cohorts: string; overrides: string; groups: string }>(
      `WITH person AS (
         SELECT p.id, p.uuid, p.properties FROM posthog_persondistinctid d JOIN posthog_person p ON p.id = d.person_id
          WHERE d.team_id = $1 AND d.distinct_id = $2 AND $4::boolean)
       SELECT (SELECT uuid::text FROM person) AS person_id,
              (SELECT properties::text FROM person) AS person_properties,
              (SELECT coalesce(json_agg(c.cohort_id), '[]'::json)::text FROM posthog_cohortpeople c
                WHERE c.team_id = $1 AND c.person_id = (SELECT id FROM person)) AS cohorts,
              (SELECT coalesce(json_object_agg(o.feature_flag_key, o.hash_key), '{}'::json)::text FROM posthog_featureflaghashkeyoverride o
                WHERE o.team_id = $1 AND o.person_id = (SELECT id FROM person)) AS overrides,
              (SELECT coalesce(json_agg(json_build_array(g.group_type_index, g.group_key, g.group_properties)), '[]'::json)::text
                 FROM posthog_group g JOIN jsonb_to_recordset($3::jsonb) AS r(i integer, k text) ON g.group_type_index = r.i AND g.group_key = r.k
                WHERE g.team_id = $1) AS groups`,
      [query.teamId, query.distinctId, JSON.stringify(query.groups.map((g) => ({ i: g.index, k: g.key }))), query.person],
    );
    const row = rows[0];
    const groups = new Map<string, Record<string, unknown>>();
    for (const [index, key, props] of JSON.parse(row.groups) as [number, string, Record<string, unknown>][]) groups.set(`${index}:${key}`, props);
    return {
      ...(row.person_id ? { personId: row.person_id } : {}),
      personProperties: row.person_properties === null ? undefined : (JSON.parse(row.person_properties) as Record<string, unknown>),
      staticCohortIds: JSON.parse(row.cohorts) as number[],
      hashKeyOverrides: JSON.parse(row.overrides) as Record<string, string>,
      groupProperties: groups,
    };
  }

  addHashKeyOverrides(teamId: number, distinctId: string, hashKey: string, flagKeys: readonly string[]): Promise<Record<string, string>> {
    return addHashKeyOverrides(this.db, teamId, distinctId, hashKey, [...flagKeys]);
  }
}
