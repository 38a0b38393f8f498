import type { Cohort, EvaluationContext, FeatureFlag, FlagFilters, PropertyGroup } from '../../../lib/flags/types';

/** A flag with PostHog's defaults; `filters` and any field can be overridden. */
export function flag(key: string, filters: FlagFilters, overrides: Partial<FeatureFlag> = {}): FeatureFlag {
  return {
    id: overrides.id ?? 1,
    team_id: 1,
    key,
    name: key,
    active: true,
    deleted: false,
    version: 1,
    ensure_experience_continuity: false,
    has_encrypted_payloads: false,
    evaluation_runtime: 'all',
    evaluation_tags: [],
    bucketing_identifier: 'distinct_id',
    filters,
    ...overrides,
  };
}

export function cohort(id: number, properties: PropertyGroup | null, overrides: Partial<Cohort> = {}): Cohort {
  return { id, team_id: 1, name: `cohort ${id}`, is_static: false, deleted: false, filters: properties ? { properties } : null, ...overrides };
}

export const NOW = new Date('2025-06-15T12:00:00.000Z');

/** An evaluation context for `distinctId` (person properties include `distinct_id`, as the handler builds them). */
export function context(distinctId: string, overrides: Partial<EvaluationContext> & { person?: Record<string, unknown> } = {}): EvaluationContext {
  const { person, ...rest } = overrides;
  return {
    distinctId,
    groups: {},
    personProperties: { distinct_id: distinctId, ...person },
    personExists: true,
    groupProperties: {},
    groupTypes: new Map([[0, 'company'], [1, 'project']]),
    cohorts: new Map(),
    staticCohortIds: new Set(),
    hashKeyOverrides: {},
    now: NOW,
    ...rest,
  };
}

/** The contract's §3.12 definitions. */
export const CONTRACT_FLAGS: FeatureFlag[] = [
  flag('simple-flag', { groups: [{ properties: [], rollout_percentage: 50 }] }, { id: 1 }),
  flag(
    'multivariate-flag',
    {
      groups: [{ properties: [], rollout_percentage: 100 }],
      multivariate: { variants: [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 30 }, { key: 'test-2', rollout_percentage: 20 }] },
      payloads: { control: '{"color":"blue"}', test: '{"color":"red"}' },
    },
    { id: 2 },
  ),
  flag(
    'email-flag',
    {
      groups: [
        { properties: [{ key: 'email', type: 'person', value: '@example.com', operator: 'icontains' }], rollout_percentage: 100 },
        { properties: [{ key: 'plan', type: 'person', value: ['pro', 'enterprise'], operator: 'exact' }], rollout_percentage: 30 },
      ],
    },
    { id: 3 },
  ),
  flag('group-rollout', { aggregation_group_type_index: 0, groups: [{ properties: [], rollout_percentage: 50 }] }, { id: 12 }),
];
