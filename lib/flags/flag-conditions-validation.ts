import type { Cohort, FeatureFlag, FlagCondition, FlagFilters, PropertyFilter, PropertyGroup } from './types';
import { FILTER_OPERATORS, fail, integerId, isDateValue, isObject } from './validation-error';
import { describeValue } from '../http/errors';

/** What validating a flag's condition sets needs to know of the team. */
export interface ConditionContext {
  readonly flags: readonly Pick<FeatureFlag, 'id' | 'key' | 'active' | 'filters'>[];
  readonly cohorts: ReadonlyMap<number, Pick<Cohort, 'id' | 'name' | 'deleted' | 'filters'> & { readonly is_static?: boolean }>;
  readonly groupTypeIndexes: ReadonlySet<number>;
  /** The flag's aggregation group type index (undefined: persons). */
  readonly aggregation: number | undefined;
  /** The flag's variant keys (undefined: a boolean flag). */
  readonly variants: ReadonlySet<string> | undefined;
}

/** PostHog only takes string operands for these (regex, substring and ordering operators). */
const STRING_OPERANDS = new Set(['regex', 'not_regex', 'icontains', 'not_icontains', 'gt', 'gte', 'lt', 'lte']);
const MAX_PROPERTY_VALUES = 1000;

export function groupTypeIndex(value: unknown, attr: string, ctx: Pick<ConditionContext, 'groupTypeIndexes'>): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 4) fail(attr, 'The group type index must be an integer from 0 to 4.');
  if (!ctx.groupTypeIndexes.has(value)) fail(attr, `There is no group type with index ${value} in this project.`);
  return value;
}

/** Validates a list of condition sets (`filters.groups` or `filters.super_groups`). */
export function validateConditions(groups: readonly unknown[], path: string, ctx: ConditionContext): FlagCondition[] {
  return groups.map((group, i) => {
    const attr = `${path}.${i}`;
    if (!isObject(group)) fail(attr, 'Each condition set must be an object.');
    const properties = group.properties ?? [];
    if (!Array.isArray(properties)) fail(`${attr}.properties`, 'Expected a list of property filters.', 'not_a_list');
    const rollout = group.rollout_percentage;
    if (rollout !== undefined && rollout !== null && (typeof rollout !== 'number' || !Number.isFinite(rollout) || rollout < 0 || rollout > 100)) {
      fail(`${attr}.rollout_percentage`, 'Rollout percentage must be a number from 0 to 100.');
    }
    if (group.variant !== undefined && group.variant !== null && group.variant !== '') {
      if (typeof group.variant !== 'string' || !ctx.variants?.has(group.variant)) fail(`${attr}.variant`, 'Filters are not valid (variant override does not exist)');
    }
    const aggregation = groupTypeIndex(group.aggregation_group_type_index, `${attr}.aggregation_group_type_index`, ctx) ?? ctx.aggregation;
    return { ...group, properties: properties.map((p, j) => validateProperty(p, `${attr}.properties.${j}`, aggregation, ctx)) } as FlagCondition;
  });
}

function validateProperty(p: unknown, attr: string, aggregation: number | undefined, ctx: ConditionContext): PropertyFilter {
  if (!isObject(p)) fail(attr, 'Each property filter must be an object.');
  if (!(typeof p.key === 'string' && p.key !== '') && !(typeof p.key === 'number')) fail(`${attr}.key`, 'Property filters must have a key.');
  const type = typeof p.type === 'string' ? p.type : 'event';
  if (aggregation === undefined) {
    if (!['person', 'cohort', 'flag'].includes(type)) fail(`${attr}.type`, 'Filters are not valid (can only use person, cohort, and flag properties)');
  } else if (type !== 'group' || p.group_type_index !== aggregation) {
    fail(`${attr}.type`, 'Filters are not valid (can only use group properties)');
  }
  const operator = p.operator ?? null;
  if (operator !== null && (typeof operator !== 'string' || !FILTER_OPERATORS.has(operator))) fail(`${attr}.operator`, `"${describeValue(operator)}" is not a valid operator.`, 'invalid_operator');
  if (type === 'flag' && operator !== 'flag_evaluates_to') fail(`${attr}.operator`, "Flag properties must use the 'flag_evaluates_to' operator");
  if ((operator === 'in' || operator === 'not_in') && type !== 'cohort') {
    fail(`${attr}.operator`, `The '${operator}' operator is only valid for cohort properties, not '${type}' properties.`, 'invalid_operator');
  }
  if (Array.isArray(p.value) && p.value.length > MAX_PROPERTY_VALUES) {
    fail(`${attr}.value`, `Property group expressions of type ${describeValue(p.key)} cannot contain more than ${MAX_PROPERTY_VALUES} values.`);
  }
  if ((operator === 'is_date_before' || operator === 'is_date_after') && !isDateValue(p.value)) fail(`${attr}.value`, `Invalid date value: ${describeValue(p.value)}`, 'invalid_date');
  if (typeof operator === 'string' && STRING_OPERANDS.has(operator) && typeof p.value !== 'string') {
    fail(`${attr}.value`, `Invalid value for operator ${operator}: ${JSON.stringify(p.value)}`, 'invalid_value');
  }
  if (type === 'cohort') return { ...p, key: String(p.key), value: flagCohort(p.value, `${attr}.value`, ctx) } as PropertyFilter;
  if (type === 'flag') {
    if (typeof p.value !== 'boolean' && !(typeof p.value === 'string' && p.value !== '')) fail(`${attr}.value`, 'A flag dependency must be true, false or a variant key.');
    return { ...p, key: String(flagDependency(p.key, `${attr}.key`, ctx)) } as PropertyFilter;
  }
  if (typeof p.key !== 'string') fail(`${attr}.key`, 'Property filters must have a key.');
  return p as unknown as PropertyFilter;
}

/** A cohort a flag condition may use: the team's, not deleted, without behavioural (event) filters anywhere in it. */
function flagCohort(value: unknown, attr: string, ctx: ConditionContext): number {
  const id = integerId(value);
  const cohort = id === undefined ? undefined : ctx.cohorts.get(id);
  if (!cohort || cohort.deleted) fail(attr, `Cohort with id ${describeValue(value)} does not exist`, 'cohort_does_not_exist');
  const seen = new Set<number>();
  const visit = (c: typeof cohort): void => {
    if (seen.has(c.id) || c.is_static) return;
    seen.add(c.id);
    for (const leaf of leaves(c.filters?.properties)) {
      if (leaf.type === 'behavioral') fail(attr, `Cohort '${cohort.name}' with filters on events cannot be used in feature flags.`, 'behavioral_cohort_found');
      const nested = leaf.type === 'cohort' ? ctx.cohorts.get(integerId(leaf.value) ?? -1) : undefined;
      if (nested && !nested.deleted) visit(nested);
    }
  };
  visit(cohort);
  return cohort.id;
}

/** A flag a condition may depend on: by id, the team's, live and active (as PostHog). */
function flagDependency(key: unknown, attr: string, ctx: ConditionContext): number {
  const id = integerId(key);
  if (id === undefined) fail(attr, `Flag dependencies must reference flag IDs (integers), not flag keys. Invalid reference: '${describeValue(key)}'`);
  const flag = ctx.flags.find((f) => f.id === id);
  if (!flag) fail(attr, `Flag dependency references non-existent flag with ID ${id}`);
  if (!flag.active) fail(attr, `Cannot create dependency on disabled flag '${flag.key}' (ID: ${id}). Flag dependencies must reference active flags only.`);
  return id;
}

/** The leaves of a property group tree. */
export function leaves(group: PropertyGroup | undefined): PropertyFilter[] {
  if (!group || !Array.isArray(group.values)) return [];
  return group.values.flatMap((v) => (isPropertyGroup(v) ? leaves(v) : [v as PropertyFilter]));
}

export const isPropertyGroup = (v: unknown): v is PropertyGroup => isObject(v) && Array.isArray(v.values);

/** The ids of the flags a flag's conditions depend on. */
export function flagDependencyIds(filters: FlagFilters | undefined): Set<number> {
  const ids = new Set<number>();
  for (const group of filters?.groups ?? []) {
    for (const p of group.properties ?? []) {
      const id = p.type === 'flag' ? integerId(p.key) : undefined;
      if (id !== undefined) ids.add(id);
    }
  }
  return ids;
}
