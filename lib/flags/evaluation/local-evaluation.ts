import type { Cohort, FeatureFlag, FlagFilters, PropertyGroup } from '../types';
import { createDependencyChains, indexFlags, resolveFlagReference } from './dependencies';

/** One flag as `/flags/definitions` serves it (PostHog's minimal flag serializer). */
export interface LocalEvaluationFlag {
  readonly id: number;
  readonly team_id: number;
  readonly name: string;
  readonly key: string;
  readonly filters: FlagFilters;
  readonly deleted: boolean;
  readonly active: boolean;
  readonly ensure_experience_continuity: boolean;
  readonly has_encrypted_payloads: boolean;
  readonly version: number;
  readonly evaluation_runtime: string;
  readonly evaluation_tags: readonly string[];
  readonly evaluation_contexts: readonly string[];
  readonly bucketing_identifier: string;
}

/** The 200 body of `/flags/definitions` and `/api/feature_flag/local_evaluation` (contract §3.10). */
export interface LocalEvaluationResponse {
  readonly flags: readonly LocalEvaluationFlag[];
  readonly group_type_mapping: Readonly<Record<string, string>>;
  readonly cohorts?: Readonly<Record<string, PropertyGroup>>;
}

/**
 * Builds the local-evaluation body the way PostHog does: every non-deleted flag (inactive ones
 * too, with `active:false`, so SDKs answer false without asking), sorted by key; flag-dependency
 * filters rewritten from the stored flag id to the flag key with the topologically ordered
 * `dependency_chain` (empty on a cycle or a missing dependency); the group type mapping; and, with
 * `sendCohorts`, the dynamic cohorts the flags reference (transitively). Static and deleted cohorts
 * are absent, which makes SDKs ask the server for flags that use them.
 *
 * `property_matching_version` and `minimal_flag_called_events` are not sent: our evaluator uses the
 * service's legacy matching, which is what SDKs apply when the version is absent.
 */
export function toLocalEvaluationResponse(
  flags: readonly FeatureFlag[],
  cohorts: ReadonlyMap<number, Cohort>,
  groupTypes: ReadonlyMap<number, string>,
  options: { readonly sendCohorts: boolean },
): LocalEvaluationResponse {
  const live = flags.filter((f) => !f.deleted).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const index = indexFlags(live);
  const keyOf = (reference: string) => resolveFlagReference(reference, index)?.key ?? reference;
  const chainOf = createDependencyChains(index.byKey, keyOf);

  const served: Record<string, PropertyGroup> = {};
  const visitCohort = (id: number) => {
    const cohort = cohorts.get(id);
    if (!cohort || cohort.deleted || cohort.is_static || !cohort.filters?.properties || String(id) in served) return;
    served[String(id)] = cohort.filters.properties;
    const walk = (group: PropertyGroup) => {
      for (const v of group.values ?? []) {
        if (Array.isArray((v as PropertyGroup).values)) walk(v as PropertyGroup);
        else if ((v as { type?: string }).type === 'cohort') visitCohort(Number((v as { value?: unknown }).value));
      }
    };
    walk(cohort.filters.properties);
  };

  const out = live.map((flag): LocalEvaluationFlag => {
    const groups = (flag.filters.groups ?? []).map((condition) => ({
      ...condition,
      properties: (condition.properties ?? []).map((p) => {
        if (p.type === 'cohort') visitCohort(Number(p.value));
        if (p.type !== 'flag') return p;
        const key = keyOf(String(p.key));
        return { ...p, key, dependency_chain: chainOf(key) };
      }),
    }));
    return {
      id: flag.id,
      team_id: flag.team_id,
      name: flag.name,
      key: flag.key,
      filters: { ...flag.filters, groups },
      deleted: flag.deleted,
      active: flag.active,
      ensure_experience_continuity: flag.ensure_experience_continuity,
      has_encrypted_payloads: flag.has_encrypted_payloads,
      version: flag.version,
      evaluation_runtime: flag.evaluation_runtime,
      evaluation_tags: flag.evaluation_tags,
      evaluation_contexts: flag.evaluation_tags,
      bucketing_identifier: flag.bucketing_identifier,
    };
  });

  const group_type_mapping: Record<string, string> = {};
  for (const [index, name] of [...groupTypes].sort((a, b) => a[0] - b[0])) group_type_mapping[String(index)] = name;
  return options.sendCohorts ? { flags: out, group_type_mapping, cohorts: served } : { flags: out, group_type_mapping };
}
