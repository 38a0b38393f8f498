/**
 * Feature flag and cohort definitions, in PostHog's stored shape (POSTHOG_CONTRACT §3.3, §3.7).
 * The same objects are evaluated by lib/flags/evaluation, stored by lib/flags/flag-repository and
 * served (rewritten for SDKs) by the local-evaluation endpoints.
 */

export type FilterType = 'person' | 'group' | 'cohort' | 'flag' | 'event';

export interface PropertyFilter {
  readonly key: string;
  readonly value?: unknown;
  /** Missing means `exact`. */
  readonly operator?: string | null;
  readonly type?: FilterType | string;
  /** For `type: 'group'`. */
  readonly group_type_index?: number | null;
  /** Cohort and person filters inside cohorts. */
  readonly negation?: boolean;
  /** For `type: 'flag'` as served to SDKs: the dependency keys in evaluation order (empty = cycle). */
  readonly dependency_chain?: readonly string[];
}

/** A nested AND/OR tree of filters (cohorts, and newer flag filters). */
export interface PropertyGroup {
  readonly type: 'AND' | 'OR';
  readonly values: readonly (PropertyGroup | PropertyFilter)[];
}

export interface FlagCondition {
  readonly properties?: readonly PropertyFilter[];
  /** null/absent = 100 %. */
  readonly rollout_percentage?: number | null;
  /** Variant override: must name a variant of the flag. */
  readonly variant?: string | null;
  /** Per-condition aggregation (mixed person/group targeting). */
  readonly aggregation_group_type_index?: number | null;
  readonly description?: string | null;
}

export interface FlagVariant {
  readonly key: string;
  readonly name?: string | null;
  readonly rollout_percentage: number;
}

export interface FlagFilters {
  readonly aggregation_group_type_index?: number | null;
  readonly groups?: readonly FlagCondition[];
  readonly multivariate?: { readonly variants: readonly FlagVariant[] } | null;
  /** JSON-encoded strings keyed by variant key, or "true" for boolean flags. */
  readonly payloads?: Readonly<Record<string, unknown>>;
  /** Early-access enrolment conditions. */
  readonly super_groups?: readonly FlagCondition[];
  readonly holdout?: { readonly id: number; readonly exclusion_percentage: number } | null;
  readonly early_exit?: boolean;
}

export type EvaluationRuntime = 'client' | 'server' | 'all';

export interface FeatureFlag {
  readonly id: number;
  readonly team_id: number;
  readonly key: string;
  readonly name: string;
  readonly active: boolean;
  readonly deleted: boolean;
  readonly version: number;
  readonly ensure_experience_continuity: boolean;
  readonly has_encrypted_payloads: boolean;
  readonly evaluation_runtime: EvaluationRuntime;
  readonly evaluation_tags: readonly string[];
  readonly bucketing_identifier: 'distinct_id' | 'device_id';
  readonly filters: FlagFilters;
}

export interface Cohort {
  readonly id: number;
  readonly team_id: number;
  readonly name: string;
  readonly is_static: boolean;
  readonly deleted: boolean;
  /** Dynamic cohorts: `{ properties: PropertyGroup }`. Static cohorts list their members instead. */
  readonly filters: { readonly properties?: PropertyGroup } | null;
}

export type FlagReasonCode =
  | 'super_condition_value'
  | 'holdout_condition_value'
  | 'condition_match'
  | 'out_of_rollout_bound'
  | 'no_condition_match'
  | 'no_group_type'
  | 'flag_disabled'
  | 'missing_dependency';

export interface FlagEvaluation {
  readonly key: string;
  readonly enabled: boolean;
  readonly variant: string | null;
  readonly reason: { readonly code: FlagReasonCode; readonly condition_index: number | null; readonly description: string };
  /** The JSON-encoded payload string, or null (only set when enabled). */
  readonly payload: string | null;
  readonly id: number;
  readonly version: number;
  /** The evaluation errored (bad regex, ...): SDKs keep their cached value. */
  readonly failed?: boolean;
}

/** Everything a request brings or the server looks up, for evaluating flags of one distinct id. */
export interface EvaluationContext {
  readonly distinctId: string;
  readonly deviceId?: string;
  /** group type name → group key, as the request passed them. */
  readonly groups: Readonly<Record<string, string>>;
  /** Stored person properties overlaid with the request's overrides. */
  readonly personProperties: Readonly<Record<string, unknown>>;
  /** Whether a person row was found (an absent person makes `is_not_set` true). */
  readonly personExists: boolean;
  /** group type name → stored group properties overlaid with overrides (and `$group_key`). */
  readonly groupProperties: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** group type index → group type name (the team's mapping). */
  readonly groupTypes: ReadonlyMap<number, string>;
  /** The team's cohorts by id (dynamic ones are evaluated; static ones by membership). */
  readonly cohorts: ReadonlyMap<number, Cohort>;
  /** Static cohorts the person belongs to. */
  readonly staticCohortIds: ReadonlySet<number>;
  /** flag key → hash key, for flags with experience continuity. */
  readonly hashKeyOverrides: Readonly<Record<string, string>>;
  readonly now: Date;
}
