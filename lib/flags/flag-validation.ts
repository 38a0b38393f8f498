import type { FlagFields } from './flag-repository';
import { flagDependencyIds, groupTypeIndex, validateConditions } from './flag-conditions-validation';
import type { Cohort, FeatureFlag, FlagFilters, FlagVariant } from './types';
import { canonicalJson, fail, isObject } from './validation-error';
import { describeValue } from '../http/errors';

/**
 * PostHog's rules for a flag definition, without I/O: the API gathers the team's flags,
 * cohorts and group types into the context, and this answers the normalised fields to save or
 * throws a DefinitionValidationError naming the field (`attr`).
 */
export interface FlagValidationContext {
  /** The flag being updated; absent when creating. */
  readonly current?: FlagFields & { readonly id: number };
  /** PATCH: absent fields keep their values, and `filters` without `groups` is ignored (as PostHog does). */
  readonly partial?: boolean;
  /** The team's non-deleted flags (the current one may be among them). */
  readonly flags: readonly Pick<FeatureFlag, 'id' | 'key' | 'active' | 'filters'>[];
  /** The team's cohorts by id, deleted ones included. */
  readonly cohorts: ReadonlyMap<number, Pick<Cohort, 'id' | 'name' | 'deleted' | 'is_static' | 'filters'>>;
  /** The team's group type indexes (0–4). */
  readonly groupTypeIndexes: ReadonlySet<number>;
}

const KEY_PATTERN = /^[a-zA-Z0-9_-]+$/;
const RUNTIMES = ['all', 'client', 'server'] as const;
const BUCKETING = ['distinct_id', 'device_id'] as const;

const DEFAULTS: Omit<FlagFields, 'key'> = {
  name: '',
  filters: { groups: [] },
  active: true,
  deleted: false,
  ensure_experience_continuity: false,
  has_encrypted_payloads: false,
  evaluation_runtime: 'all',
  evaluation_tags: [],
  tags: [],
  bucketing_identifier: 'distinct_id',
};

export function validateFlag(body: Record<string, unknown>, ctx: FlagValidationContext): FlagFields {
  const current = ctx.current;
  const has = (field: string) => body[field] !== undefined;
  const base = current ?? { key: '', ...DEFAULTS };

  if (!has('key') && (!current || !ctx.partial)) fail('key', 'This field is required.', 'required');
  const key = has('key') ? validateKey(body.key) : base.key;
  const name = has('name') ? stringField(body.name, 'name', 65_535) : base.name;
  const active = has('active') ? booleanField(body.active, 'active') : base.active;
  const deleted = has('deleted') ? booleanField(body.deleted, 'deleted') : base.deleted;
  const continuity = has('ensure_experience_continuity') ? body.ensure_experience_continuity !== null && booleanField(body.ensure_experience_continuity, 'ensure_experience_continuity') : base.ensure_experience_continuity;
  const encrypted = has('has_encrypted_payloads') ? booleanField(body.has_encrypted_payloads, 'has_encrypted_payloads') : base.has_encrypted_payloads;
  const runtime = has('evaluation_runtime') ? choiceField(body.evaluation_runtime, 'evaluation_runtime', RUNTIMES) : base.evaluation_runtime;
  const bucketing = has('bucketing_identifier') ? choiceField(body.bucketing_identifier, 'bucketing_identifier', BUCKETING) : base.bucketing_identifier;
  const evaluationTags = has('evaluation_tags') ? stringList(body.evaluation_tags, 'evaluation_tags') : base.evaluation_tags;
  const tags = has('tags') ? stringList(body.tags, 'tags') : base.tags;

  let filters = base.filters;
  if (has('filters')) {
    if (!isObject(body.filters)) fail('filters', `Expected a dictionary of items but got type "${Array.isArray(body.filters) ? 'list' : typeof body.filters}".`, 'not_a_dict');
    if (!(ctx.partial && current && body.filters.groups === undefined)) filters = validateFilters(body.filters, ctx, !current, current?.id, key);
  } else if (!current) {
    filters = DEFAULTS.filters;
  }
  if (current && key !== current.key) filters = renameEnrollment(filters, current.key, key);

  if (!deleted && ctx.flags.some((f) => f.key === key && f.id !== current?.id)) fail('key', 'There is already a feature flag with this key.', 'unique');
  if (current) checkDependents(ctx, current, { active, deleted });
  return {
    key,
    name,
    filters,
    active,
    deleted,
    ensure_experience_continuity: continuity,
    has_encrypted_payloads: encrypted,
    evaluation_runtime: runtime,
    evaluation_tags: evaluationTags,
    tags,
    bucketing_identifier: bucketing,
  };
}

function validateKey(value: unknown): string {
  if (typeof value !== 'string') fail('key', 'Not a valid string.', 'invalid');
  if (value === '') fail('key', 'This field may not be blank.', 'blank');
  if (value.length > 400) fail('key', 'Ensure this field has no more than 400 characters.', 'max_length');
  if (!KEY_PATTERN.test(value)) fail('key', 'Only letters, numbers, hyphens (-) & underscores (_) are allowed.', 'invalid_key');
  return value;
}

function stringField(value: unknown, attr: string, max: number): string {
  if (value === null) return '';
  if (typeof value !== 'string') fail(attr, 'Not a valid string.', 'invalid');
  if (value.length > max) fail(attr, `Ensure this field has no more than ${max} characters.`, 'max_length');
  return value;
}

function booleanField(value: unknown, attr: string): boolean {
  if (typeof value !== 'boolean') fail(attr, 'Must be a valid boolean.', 'invalid');
  return value;
}

function choiceField<T extends string>(value: unknown, attr: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) fail(attr, `"${describeValue(value)}" is not a valid choice.`, 'invalid_choice');
  return value as T;
}

function stringList(value: unknown, attr: string): string[] {
  if (!Array.isArray(value)) fail(attr, `Expected a list of items but got type "${typeof value}".`, 'not_a_list');
  value.forEach((v, i) => typeof v !== 'string' && fail(`${attr}.${i}`, 'Not a valid string.', 'invalid'));
  return [...new Set(value as string[])];
}

/** Validates `filters` and answers it normalised (payloads as JSON strings, dependency keys as id text). */
export function validateFilters(input: Record<string, unknown>, ctx: FlagValidationContext, creating: boolean, flagId: number | undefined, flagKey: string): FlagFilters {
  const aggregation = groupTypeIndex(input.aggregation_group_type_index, 'filters.aggregation_group_type_index', ctx);
  const variants = validateVariants(input.multivariate);
  const groups = input.groups ?? [];
  if (!Array.isArray(groups)) fail('filters.groups', 'Expected a list of condition sets.', 'not_a_list');
  if (creating && groups.length === 0) fail('filters.groups', 'Feature flags must have at least one condition set (group).');
  const conditions = validateConditions(groups, 'filters.groups', { ...ctx, aggregation, variants: variants && new Set(variants.map((v) => v.key)) });
  const superGroups = input.super_groups === undefined || input.super_groups === null ? undefined : input.super_groups;
  if (superGroups !== undefined && !Array.isArray(superGroups)) fail('filters.super_groups', 'Expected a list of condition sets.', 'not_a_list');
  const supers = superGroups && validateConditions(superGroups, 'filters.super_groups', { ...ctx, aggregation, variants: undefined });

  const dependencies = flagDependencyIds({ groups: conditions });
  if (flagId !== undefined && dependencies.has(flagId)) fail('filters.groups', `Feature flag '${flagKey}' cannot depend on itself`);
  if (flagId !== undefined) checkCycles(ctx, flagId, flagKey, dependencies);

  const out: Record<string, unknown> = { ...input, groups: conditions, payloads: validatePayloads(input.payloads, variants) };
  if (input.aggregation_group_type_index !== undefined) out.aggregation_group_type_index = aggregation ?? null;
  if (supers) out.super_groups = supers;
  if (input.holdout !== undefined && input.holdout !== null) out.holdout = validateHoldout(input.holdout);
  if (input.early_exit !== undefined && typeof input.early_exit !== 'boolean') fail('filters.early_exit', 'Must be a valid boolean.', 'invalid');
  return out as FlagFilters;
}

function validateVariants(multivariate: unknown): FlagVariant[] | undefined {
  if (multivariate === undefined || multivariate === null) return undefined;
  if (!isObject(multivariate) || !Array.isArray(multivariate.variants)) fail('filters.multivariate', 'multivariate must be an object with a list of variants.');
  const seen = new Set<string>();
  let sum = 0;
  multivariate.variants.forEach((v: unknown, i: number) => {
    const attr = `filters.multivariate.variants.${i}`;
    if (!isObject(v)) fail(attr, 'Each variant must be an object.');
    if (typeof v.key !== 'string' || v.key.trim() === '') fail(`${attr}.key`, 'Variant keys must be non-empty strings.');
    if (seen.has(v.key)) fail(`${attr}.key`, `Variant keys must be unique: "${v.key}" appears twice.`);
    seen.add(v.key);
    if (typeof v.rollout_percentage !== 'number' || !Number.isFinite(v.rollout_percentage) || v.rollout_percentage < 0 || v.rollout_percentage > 100) {
      fail(`${attr}.rollout_percentage`, 'Variant rollout percentages must be numbers from 0 to 100.');
    }
    sum += v.rollout_percentage;
  });
  if (multivariate.variants.length > 0 && Math.abs(sum - 100) > 1e-9) {
    fail('filters.multivariate', 'Invalid variant definitions: Variant rollout percentages must sum to 100.');
  }
  return multivariate.variants as FlagVariant[];
}

/** Payloads become JSON text (PostHog stores them so): a string must already be JSON; any other value is encoded. */
function validatePayloads(payloads: unknown, variants: FlagVariant[] | undefined): Record<string, string> {
  if (payloads === undefined || payloads === null) return {};
  if (!isObject(payloads)) fail('filters.payloads', 'Payloads must be passed as a dictionary');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(payloads)) {
    const attr = `filters.payloads.${key}`;
    if (value === null || value === undefined || value === '') continue;
    if (variants ? !variants.some((v) => v.key === key) : key !== 'true') {
      fail(attr, variants ? 'Payload keys must match a variant key for multivariate flags' : "Payload keys must be 'true' for boolean flags");
    }
    if (typeof value === 'string') {
      try {
        JSON.parse(value);
      } catch {
        fail(attr, 'Payload value is not valid JSON');
      }
      out[key] = value;
    } else {
      out[key] = JSON.stringify(value);
    }
  }
  return out;
}

function validateHoldout(holdout: unknown): { id: number; exclusion_percentage: number } {
  if (!isObject(holdout)) fail('filters.holdout', 'holdout must be an object with an id and an exclusion_percentage.');
  if (typeof holdout.id !== 'number' || !Number.isInteger(holdout.id)) fail('filters.holdout.id', 'The holdout id must be an integer.');
  const pct = holdout.exclusion_percentage;
  if (typeof pct !== 'number' || !Number.isFinite(pct) || pct < 0 || pct > 100) fail('filters.holdout.exclusion_percentage', 'The exclusion percentage must be a number from 0 to 100.');
  return { ...holdout, id: holdout.id, exclusion_percentage: pct };
}

/** Dependencies of `flagId`'s new filters must not lead back to it through the team's other flags. */
function checkCycles(ctx: FlagValidationContext, flagId: number, flagKey: string, dependencies: ReadonlySet<number>): void {
  const byId = new Map(ctx.flags.map((f) => [f.id, f]));
  const visit = (id: number, path: string[], seen: Set<number>): void => {
    const flag = byId.get(id);
    if (!flag) return;
    if (id === flagId) fail('filters.groups', `Circular dependency detected: ${[...path, flagKey].join(' → ')}`);
    if (seen.has(id)) return;
    seen.add(id);
    for (const next of flagDependencyIds(flag.filters)) visit(next, [...path, flag.key], seen);
  };
  for (const id of dependencies) visit(id, [flagKey], new Set());
}

/** Deleting or disabling a flag others depend on, or enabling one whose dependencies are off, is refused (as PostHog). */
function checkDependents(ctx: FlagValidationContext, current: FlagFields & { id: number }, next: { active: boolean; deleted: boolean }): void {
  const names = (flags: readonly Pick<FeatureFlag, 'id' | 'key'>[]) => flags.map((f) => `${f.key} (ID: ${f.id})`).join(', ');
  const dependents = () => ctx.flags.filter((f) => f.id !== current.id && f.active && flagDependencyIds(f.filters).has(current.id));
  if (next.deleted && !current.deleted && dependents().length > 0) {
    fail('deleted', `Cannot delete this feature flag because other flags depend on it: ${names(dependents())}. Please update or delete the dependent flags first.`);
  }
  if (!next.active && current.active && dependents().length > 0) {
    fail('active', `Cannot disable this feature flag because other flags depend on it: ${names(dependents())}. Please update or disable the dependent flags first.`);
  }
  if (next.active && !current.active) {
    const deps = flagDependencyIds(current.filters);
    const disabled = ctx.flags.filter((f) => deps.has(f.id) && !f.active);
    if (disabled.length > 0) fail('active', `Cannot enable this feature flag because it depends on disabled flags: ${names(disabled)}. Please enable the dependency flags first.`);
  }
}

/** Early-access enrolment conditions name the flag's key; they follow a key change (as PostHog does). */
function renameEnrollment(filters: FlagFilters, oldKey: string, newKey: string): FlagFilters {
  if (!filters.super_groups) return filters;
  const rename = (k: string) => (k === `$feature_enrollment/${oldKey}` ? `$feature_enrollment/${newKey}` : k);
  return { ...filters, super_groups: filters.super_groups.map((g) => ({ ...g, properties: g.properties?.map((p) => ({ ...p, key: rename(p.key) })) })) };
}

/**
 * PostHog's concurrency check: a save carrying a stale `version` conflicts when a field it
 * changes (relative to `original_flag`, the flag as the client first read it) was changed by
 * someone else since. Without `original_flag` nothing conflicts. Returns the conflicting fields.
 */
export function conflictingChanges(current: FlagFields, proposed: FlagFields, requested: readonly string[], original: unknown): string[] {
  if (!isObject(original) || Object.keys(original).length === 0) return [];
  const differs = (a: unknown, b: unknown) => canonicalJson(a) !== canonicalJson(b);
  return requested.filter((field): field is keyof FlagFields => field in proposed && field in original).filter((field) =>
    differs(proposed[field], original[field]) && differs(original[field], current[field]) && differs(proposed[field], current[field]),
  );
}
