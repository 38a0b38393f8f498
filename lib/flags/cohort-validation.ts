import type { CohortFields } from './cohort-repository';
import { isPropertyGroup, leaves } from './flag-conditions-validation';
import type { Cohort, FeatureFlag, PropertyFilter, PropertyGroup } from './types';
import { FILTER_OPERATORS, fail, integerId, isObject } from './validation-error';
import { describeValue } from '../http/errors';

/**
 * PostHog's rules for a cohort definition, without I/O. Dynamic cohorts are a property group
 * tree (`filters.properties`, nested AND/OR, negation; contract §3.7); static cohorts list
 * members, given here as distinct ids or person uuids.
 */
export interface CohortValidationContext {
  /** The cohort being updated; absent when creating. */
  readonly current?: CohortFields & { readonly id: number };
  /** The team's non-deleted cohorts by id. */
  readonly cohorts: ReadonlyMap<number, Pick<Cohort, 'id' | 'name' | 'is_static' | 'filters'>>;
  /** Cohorts that active flags use, directly or through other cohorts. */
  readonly usedByFlags: ReadonlySet<number>;
}

export interface CohortMembersInput {
  readonly distinctIds: readonly string[];
  readonly personUuids: readonly string[];
}

const LEAF_TYPES = new Set(['person', 'cohort', 'behavioral', 'flag']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_MEMBERS = 1_000_000;

export function validateCohort(body: Record<string, unknown>, ctx: CohortValidationContext): { fields: CohortFields; members: CohortMembersInput | undefined } {
  const current = ctx.current;
  const has = (field: string) => body[field] !== undefined;
  const name = has('name') ? nullableString(body.name, 'name', 400) : (current?.name ?? null);
  const description = has('description') ? (nullableString(body.description, 'description', 1000) ?? '') : (current?.description ?? '');
  const isStatic = has('is_static') ? booleanField(body.is_static, 'is_static') : (current?.is_static ?? false);
  const deleted = has('deleted') ? booleanField(body.deleted, 'deleted') : (current?.deleted ?? false);

  let raw: unknown = has('filters') ? body.filters : undefined;
  if (typeof raw === 'string') raw = parseJsonField(raw, 'filters');
  if (raw === undefined && has('groups')) raw = legacyGroups(body.groups);
  let filters = current?.filters ?? null;
  if (raw !== undefined) {
    if (raw !== null && !isObject(raw)) fail('filters', 'Must contain a \'properties\' key with type and values');
    filters = raw as CohortFields['filters'];
  }
  // The tree is checked when it is written or starts to count (a cohort turning dynamic); a save
  // that leaves it alone (a rename, a delete) does not trip over cohorts deleted since.
  if (!isStatic && (raw !== undefined || !current || current.is_static)) {
    if (!filters || !isObject(filters.properties)) fail('filters', "Must contain a 'properties' key with type and values");
    filters = { ...filters, properties: validateGroup(filters.properties, 'filters.properties', ctx) };
    checkCycles(ctx, filters.properties!);
    if (current && ctx.usedByFlags.has(current.id) && hasBehavioral(filters.properties, ctx)) {
      fail('filters', 'Behavioral filters cannot be added to cohorts used in feature flags.', 'behavioral_cohort_found');
    }
  }

  const distinctIds = idList(body.distinct_ids, 'distinct_ids', false);
  const personUuids = [...idList(body.person_ids, 'person_ids', true), ...idList(body._create_static_person_ids, '_create_static_person_ids', true)];
  const given = ['distinct_ids', 'person_ids', '_create_static_person_ids'].find(has);
  if (given && !isStatic) fail(given, 'Only static cohorts have a list of members.');
  const members = given ? { distinctIds, personUuids } : undefined;
  return { fields: { name, description, filters, is_static: isStatic, deleted }, members };
}

function nullableString(value: unknown, attr: string, max: number): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') fail(attr, 'Not a valid string.', 'invalid');
  if (value.length > max) fail(attr, `Ensure this field has no more than ${max} characters.`, 'max_length');
  return value;
}

/** Booleans; multipart forms send them as text. */
function booleanField(value: unknown, attr: string): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  if (typeof value !== 'boolean') fail(attr, 'Must be a valid boolean.', 'invalid');
  return value;
}

function parseJsonField(text: string, attr: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail(attr, 'Not valid JSON.', 'parse_error');
  }
}

/** PostHog's older `groups` ([{properties: [...]}, ...], OR of ANDs) as a property group tree. */
function legacyGroups(groups: unknown): { properties: PropertyGroup } {
  if (!Array.isArray(groups)) fail('groups', 'Expected a list of groups.', 'not_a_list');
  return {
    properties: {
      type: 'OR',
      values: groups.map((g, i) => {
        if (!isObject(g) || g.action_id !== undefined || g.event_id !== undefined) fail(`groups.${i}`, 'Only property groups are supported; use filters for behavioural cohorts.');
        return { type: 'AND' as const, values: (Array.isArray(g.properties) ? g.properties : []) as PropertyFilter[] };
      }),
    },
  };
}

function validateGroup(group: unknown, attr: string, ctx: CohortValidationContext): PropertyGroup {
  if (!isObject(group)) fail(attr, 'A property group must be an object with a type and values.');
  if (group.type !== 'AND' && group.type !== 'OR') fail(`${attr}.type`, 'A property group type must be AND or OR.');
  if (!Array.isArray(group.values)) fail(`${attr}.values`, 'Expected a list of property groups or property filters.', 'not_a_list');
  const nested = group.values.filter(isPropertyGroup).length;
  if (nested > 0 && nested < group.values.length) fail(`${attr}.values`, 'A property group holds either property groups or property filters, not both.');
  return {
    ...group,
    type: group.type,
    values: group.values.map((v: unknown, i: number) => (isPropertyGroup(v) ? validateGroup(v, `${attr}.values.${i}`, ctx) : validateLeaf(v, `${attr}.values.${i}`, ctx))),
  } as PropertyGroup;
}

function validateLeaf(leaf: unknown, attr: string, ctx: CohortValidationContext): PropertyFilter {
  if (!isObject(leaf)) fail(attr, 'Each property filter must be an object.');
  if (!(typeof leaf.key === 'string' && leaf.key !== '') && typeof leaf.key !== 'number') fail(`${attr}.key`, 'Property filters must have a key.');
  if (typeof leaf.type !== 'string' || !LEAF_TYPES.has(leaf.type)) fail(`${attr}.type`, 'Cohort filters must be person, cohort, behavioral or flag filters.');
  if (leaf.negation !== undefined && typeof leaf.negation !== 'boolean') fail(`${attr}.negation`, 'Must be a valid boolean.', 'invalid');
  const operator = leaf.operator ?? null;
  if (operator !== null && (typeof operator !== 'string' || !FILTER_OPERATORS.has(operator))) fail(`${attr}.operator`, `"${describeValue(operator)}" is not a valid operator.`, 'invalid_operator');
  if (leaf.type === 'cohort') {
    const id = integerId(leaf.value);
    if (id === undefined || !ctx.cohorts.has(id)) fail(`${attr}.value`, `Cohort with id ${describeValue(leaf.value)} does not exist`, 'cohort_does_not_exist');
    if (id === ctx.current?.id) fail(`${attr}.value`, 'A cohort cannot contain itself.');
    return { ...leaf, key: String(leaf.key), value: id } as PropertyFilter;
  }
  return leaf as unknown as PropertyFilter;
}

/** The new tree of the current cohort must not reach it again through nested cohorts. */
function checkCycles(ctx: CohortValidationContext, tree: PropertyGroup): void {
  const self = ctx.current?.id;
  if (self === undefined) return;
  const seen = new Set<number>();
  const visit = (group: PropertyGroup | undefined, path: string[]): void => {
    for (const leaf of leaves(group)) {
      const id = leaf.type === 'cohort' ? integerId(leaf.value) : undefined;
      if (id === undefined) continue;
      if (id === self) fail('filters', `Circular cohort reference: ${[...path, String(self)].join(' → ')}`);
      if (seen.has(id)) continue;
      seen.add(id);
      const cohort = ctx.cohorts.get(id);
      if (cohort && !cohort.is_static) visit(cohort.filters?.properties, [...path, String(id)]);
    }
  };
  visit(tree, [String(self)]);
}

function hasBehavioral(tree: PropertyGroup | undefined, ctx: CohortValidationContext, seen = new Set<number>()): boolean {
  return leaves(tree).some((leaf) => {
    if (leaf.type === 'behavioral') return true;
    const id = leaf.type === 'cohort' ? integerId(leaf.value) : undefined;
    const cohort = id === undefined ? undefined : ctx.cohorts.get(id);
    if (!cohort || cohort.is_static || seen.has(cohort.id)) return false;
    seen.add(cohort.id);
    return hasBehavioral(cohort.filters?.properties, ctx, seen);
  });
}

function idList(value: unknown, attr: string, uuids: boolean): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(attr, `Expected a list of items but got type "${typeof value}".`, 'not_a_list');
  if (value.length > MAX_MEMBERS) fail(attr, `At most ${MAX_MEMBERS} ids at a time.`);
  return value.map((v, i) => {
    const id = typeof v === 'number' && !uuids ? String(v) : v;
    if (typeof id !== 'string' || id.trim() === '') fail(`${attr}.${i}`, 'Ids must be non-empty strings.');
    if (uuids && !UUID.test(id)) fail(`${attr}.${i}`, `"${id}" is not a valid UUID.`, 'invalid');
    return uuids ? id.toLowerCase() : id;
  });
}

/** The cohorts active flags use, directly or through other (dynamic) cohorts. */
export function cohortsUsedByFlags(flags: readonly Pick<FeatureFlag, 'active' | 'filters'>[], cohorts: CohortValidationContext['cohorts']): Set<number> {
  const used = new Set<number>();
  const add = (id: number | undefined): void => {
    if (id === undefined || used.has(id)) return;
    used.add(id);
    const cohort = cohorts.get(id);
    if (cohort && !cohort.is_static) for (const leaf of leaves(cohort.filters?.properties)) if (leaf.type === 'cohort') add(integerId(leaf.value));
  };
  for (const flag of flags) {
    if (!flag.active) continue;
    for (const group of flag.filters.groups ?? []) for (const p of group.properties ?? []) if (p.type === 'cohort') add(integerId(p.value));
  }
  return used;
}

/**
 * Ids from an uploaded CSV (PostHog's rules): one column → distinct ids, unless its header
 * names person ids; several columns → the person_id column, else the distinct_id column.
 */
export function idsFromCsv(rows: readonly (readonly string[])[]): { kind: 'distinct_id' | 'person_id'; ids: string[] } {
  const body = rows.filter((r) => r.some((c) => c.trim() !== ''));
  if (body.length === 0) fail('csv', 'The CSV file is empty.');
  const header = body[0].map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const personColumn = header.findIndex((h) => h === 'person_id' || h === 'personid' || h === 'person_uuid');
  const distinctColumn = header.findIndex((h) => h === 'distinct_id' || h === 'distinctid');
  const single = body[0].filter((c) => c.trim() !== '').length <= 1;
  let column = 0;
  let kind: 'distinct_id' | 'person_id' = 'distinct_id';
  if (personColumn >= 0) [column, kind] = [personColumn, 'person_id'];
  else if (distinctColumn >= 0) column = distinctColumn;
  else if (!single) fail('csv', `The CSV needs a person_id or distinct_id column (found: ${body[0].filter((c) => c.trim()).join(', ') || 'none'}).`);
  const hasHeader = personColumn >= 0 || distinctColumn >= 0;
  const ids = body.slice(hasHeader ? 1 : 0).flatMap((r) => (r[column]?.trim() ? [r[column].trim()] : []));
  if (ids.length === 0) fail('csv', 'The CSV holds no ids.');
  if (kind === 'person_id') ids.forEach((id, i) => !UUID.test(id) && fail('csv', `Row ${i + 2}: "${id}" is not a valid person UUID.`));
  return { kind, ids: kind === 'person_id' ? ids.map((id) => id.toLowerCase()) : ids };
}
