import type { FlagFields, FlagRecord, FlagVersion } from '../flags/flag-repository';
import type { FlagFilters } from '../flags/types';
import { canonicalJson } from '../flags/validation-error';
import { userJson } from './definition-helpers';

/** A flag as PostHog's FeatureFlagSerializer shows it (features Hedgerow lacks are empty). */
export function flagJson(flag: FlagRecord, cohortNames: ReadonlyMap<number, string>): Record<string, unknown> {
  const groups = flag.filters.groups ?? [];
  const simple = groups.length === 1 && (groups[0].properties ?? []).length === 0 && (flag.filters.aggregation_group_type_index ?? null) === null;
  return {
    id: flag.id,
    team_id: flag.team_id,
    name: flag.name,
    key: flag.key,
    filters: withCohortNames(flag.filters, cohortNames),
    deleted: flag.deleted,
    active: flag.active,
    created_by: userJson(flag.createdBy),
    created_at: flag.createdAt,
    updated_at: flag.updatedAt,
    version: flag.version,
    last_modified_by: userJson(flag.lastModifiedBy),
    ensure_experience_continuity: flag.ensure_experience_continuity,
    is_simple_flag: simple,
    rollout_percentage: simple ? (groups[0].rollout_percentage ?? null) : null,
    experiment_set: [],
    surveys: [],
    features: [],
    rollback_conditions: null,
    performed_rollback: false,
    can_edit: true,
    tags: flag.tags,
    evaluation_tags: flag.evaluation_tags,
    usage_dashboard: null,
    analytics_dashboards: [],
    has_enriched_analytics: false,
    user_access_level: 'editor',
    is_remote_configuration: false,
    has_encrypted_payloads: flag.has_encrypted_payloads,
    status: flag.deleted ? 'DELETED' : 'ACTIVE',
    evaluation_runtime: flag.evaluation_runtime,
    bucketing_identifier: flag.bucketing_identifier,
    last_called_at: null,
  };
}

/** PostHog names each cohort a condition uses (`cohort_name`), for display only. */
function withCohortNames(filters: FlagFilters, names: ReadonlyMap<number, string>): FlagFilters {
  if (!filters.groups?.some((g) => g.properties?.some((p) => p.type === 'cohort'))) return filters;
  return {
    ...filters,
    groups: filters.groups.map((g) => ({
      ...g,
      properties: g.properties?.map((p) => (p.type === 'cohort' ? { ...p, cohort_name: names.get(Number(p.value)) ?? null } : p)),
    })),
  };
}

/** The fields of a flag as saved, for comparing and re-validating. */
export function fieldsOf(flag: FlagRecord): FlagFields & { id: number } {
  return {
    id: flag.id,
    key: flag.key,
    name: flag.name,
    filters: flag.filters,
    active: flag.active,
    deleted: flag.deleted,
    ensure_experience_continuity: flag.ensure_experience_continuity,
    has_encrypted_payloads: flag.has_encrypted_payloads,
    evaluation_runtime: flag.evaluation_runtime,
    evaluation_tags: flag.evaluation_tags,
    tags: flag.tags,
    bucketing_identifier: flag.bucketing_identifier,
  };
}

/** One entry of `…/feature_flags/:id/versions/`. */
export function versionJson(v: FlagVersion): Record<string, unknown> {
  return { version: v.version, activity: v.activity, created_at: v.createdAt, created_by: userJson(v.createdBy), flag: publicDefinition(v.definition) };
}

const HISTORY_FIELDS = ['key', 'name', 'filters', 'active', 'deleted', 'ensure_experience_continuity', 'has_encrypted_payloads', 'evaluation_runtime', 'evaluation_tags', 'tags', 'bucketing_identifier'];

function publicDefinition(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: row.id, version: row.version };
  for (const field of HISTORY_FIELDS) out[field] = row[field];
  return out;
}

/**
 * One entry of `…/feature_flags/:id/activity/` in PostHog's activity-log shape, from a version
 * and the one before it (changes are the fields that differ).
 */
export function activityJson(v: FlagVersion, previous: FlagVersion | undefined): Record<string, unknown> {
  const changes = previous
    ? HISTORY_FIELDS.filter((f) => canonicalJson(v.definition[f]) !== canonicalJson(previous.definition[f])).map((field) => ({
        type: 'FeatureFlag',
        action: 'changed',
        field,
        before: previous.definition[field],
        after: v.definition[field],
      }))
    : null;
  return {
    user: v.createdBy && { first_name: v.createdBy.first_name, email: v.createdBy.email },
    activity: v.activity,
    scope: 'FeatureFlag',
    item_id: String(v.definition.id),
    detail: { changes, merge: null, name: v.definition.key, short_id: null, trigger: null, type: null },
    created_at: v.createdAt,
    is_system: false,
  };
}
