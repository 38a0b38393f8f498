/**
 * Property filters (a list, ANDed, or a nested AND/OR PropertyGroup) as a SQL condition over the
 * `events` table with persons on events:
 * - `event`: the event's `properties`; `event_metadata`: the columns distinct_id, event,
 *   timestamp, person_id, $session_id, $group_0..4;
 * - `person`: `person_properties` (the person as the event saw it);
 * - `group` (with `group_type_index`): `group{N}_properties`;
 * - `element` (`text`, `href`, `tag_name`): any element of `elements_chain`; `selector`: the chain
 *   matches the CSS selector (selector-regex.ts);
 * - `cohort` (`value` = cohort id, `operator` in/not_in, `negation`): dynamic cohorts are
 *   evaluated on `person_properties` (their person filters, nested cohorts too); static cohorts
 *   by the event's `person_id` in `person_static_cohort` (the members the cohorts API mirrors
 *   there), also when a dynamic cohort names one; behavioural filters of dynamic cohorts by the
 *   person's events (behavioural-cohort.ts).
 * - `session`: the event's session (lib/clickhouse/sessions.ts) has the property, see session-filter.ts;
 * - `hogql` (`key` = a boolean HogQL expression), printed by lib/hogql.
 * `data_warehouse` and other filter types are refused with a 400.
 */
import { MATERIALIZED_EVENT_PROPERTIES, materializedPropertyColumn } from '../../clickhouse/schema';
import { staticCohortMembersSql } from '../../clickhouse/static-cohort-members';
import { BadRequestError, describeValue } from '../../http/errors';
import type { PropertyFilter, PropertyGroup } from '../../flags/types';
import type { QueryContext } from '../types';
import { behaviouralFilterSql } from './behavioural-cohort';
import { parseDate } from './date-range';
import { printHogQL } from './hogql-expression';
import { operatorSql } from './operators';
import { selectorFilterSql } from './selector-regex';
import { sessionFilterSql } from './session-filter';
import { TEAM_ID, type SqlParams } from './sql-params';
import { toWall } from './zoned-time';
import { lookup } from '../../lookup';

export interface FilterScope {
  readonly ctx: QueryContext;
  readonly params: SqlParams;
  /** Table alias prefix for event columns ('' or 'e.'). */
  readonly prefix?: string;
}

const METADATA: Record<string, string> = {
  distinct_id: 'distinct_id',
  event: 'event',
  timestamp: "formatDateTime(timestamp, '%Y-%m-%d %H:%i:%S')",
  person_id: 'toString(person_id)',
  $session_id: '`$session_id`',
  $group_0: '`$group_0`',
  $group_1: '`$group_1`',
  $group_2: '`$group_2`',
  $group_3: '`$group_3`',
  $group_4: '`$group_4`',
};

/**
 * A JSON column's property as Nullable(String) text (strings decoded, others as written). An event
 * property with a materialized column (lib/clickhouse/schema.ts) is read from that column, which
 * holds the same value.
 */
export function jsonProperty(column: string, key: string, params: SqlParams): string {
  const prefix = column.slice(0, column.length - 'properties'.length);
  if (column.endsWith('properties') && /^(\w+\.)?$/.test(prefix) && MATERIALIZED_EVENT_PROPERTIES.has(key)) {
    return `${prefix}\`${materializedPropertyColumn(key)}\``;
  }
  return `JSONExtract(${column}, ${params.str(key)}, 'Nullable(String)')`;
}

/** The Nullable(String) value a typed property names, for filters and breakdowns. */
export function propertyValueSql(type: string, key: string, groupTypeIndex: number | null | undefined, scope: FilterScope, field: string): string {
  const p = scope.prefix ?? '';
  switch (type) {
    case 'event':
      return jsonProperty(`${p}properties`, key, scope.params);
    case 'person':
      return jsonProperty(`${p}person_properties`, key, scope.params);
    case 'group': {
      const index = groupIndex(groupTypeIndex, `${field}.group_type_index`);
      return jsonProperty(`${p}group${index}_properties`, key, scope.params);
    }
    case 'event_metadata': {
      const column = lookup(METADATA, key);
      if (!column) throw new BadRequestError('invalid_input', `${field}.key "${key}" is not an event column (${Object.keys(METADATA).join(', ')}).`, `${field}.key`);
      return `toNullable(${column.startsWith('`') || !column.includes('(') ? p + column : column})`;
    }
    default:
      throw new BadRequestError('invalid_input', `${field}.type "${type}" is not supported here.`, `${field}.type`);
  }
}

export function groupIndex(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 4) {
    throw new BadRequestError('invalid_input', `${field} must be a group type index from 0 to 4.`, field);
  }
  return value;
}

const isGroup = (x: unknown): x is PropertyGroup =>
  typeof x === 'object' && x !== null && (x as PropertyGroup).type !== undefined && ['AND', 'OR'].includes((x as PropertyGroup).type) && Array.isArray((x as PropertyGroup).values);

/** SQL for `properties` (list or group); `1` when there is nothing to filter. */
export async function propertiesSql(properties: unknown, scope: FilterScope, field: string): Promise<string> {
  if (properties === undefined || properties === null) return '1';
  if (Array.isArray(properties)) {
    const parts = await Promise.all(properties.map((f, i) => nodeSql(f, scope, `${field}[${i}]`, new Set())));
    return and(parts);
  }
  if (isGroup(properties)) return nodeSql(properties, scope, field, new Set());
  throw new BadRequestError('invalid_input', `${field} must be a list of property filters or a property group.`, field);
}

export const and = (parts: readonly string[]): string => {
  const real = parts.filter((p) => p !== '1');
  return real.length === 0 ? '1' : real.length === 1 ? real[0] : real.map((p) => `(${p})`).join(' AND ');
};
export const or = (parts: readonly string[]): string => (parts.length === 0 ? '0' : parts.includes('1') ? '1' : parts.length === 1 ? parts[0] : parts.map((p) => `(${p})`).join(' OR '));

async function nodeSql(node: unknown, scope: FilterScope, field: string, cohortPath: Set<number>): Promise<string> {
  if (isGroup(node)) {
    const parts = await Promise.all(node.values.map((v, i) => nodeSql(v, scope, `${field}.values[${i}]`, cohortPath)));
    return node.type === 'AND' ? and(parts) : or(parts);
  }
  if (typeof node !== 'object' || node === null) throw new BadRequestError('invalid_input', `${field} must be a property filter.`, field);
  const filter = node as PropertyFilter;
  const type = filter.type ?? 'event';
  let sql: string;
  if (type === 'cohort' || type === 'precalculated-cohort' || type === 'static-cohort') {
    sql = await cohortSql(filter, scope, field, cohortPath);
  } else if (type === 'hogql') {
    sql = `ifNull(toBool(${await printHogQL(filter.key, scope.ctx, `${field}.key`)}), 0)`;
  } else {
    if (typeof filter.key !== 'string' || filter.key === '') throw new BadRequestError('invalid_input', `${field}.key is required.`, `${field}.key`);
    const resolveDate = (value: string, f: string) => dateText(value, scope.ctx, f);
    if (type === 'element') sql = elementSql(filter, scope, field, resolveDate);
    else if (type === 'session') sql = sessionFilterSql(filter, scope, field, resolveDate);
    else sql = operatorSql(propertyValueSql(type, filter.key, filter.group_type_index, scope, field), filter, scope.params, field, resolveDate);
  }
  return filter.negation ? `NOT (${sql})` : sql;
}

function dateText(value: string, ctx: QueryContext, field: string): string {
  const wall = parseDate(value, toWall(ctx.now, ctx.timezone), ctx.timezone, field).wall;
  return wall.toISOString().slice(0, 19).replace('T', ' ');
}

const ELEMENT_PATTERNS: Record<string, string> = {
  text: '(?:^|[^_])text="(.*?)"',
  href: '(?:^|[^_])href="(.*?)"',
  tag_name: '(?:^|;)([A-Za-z0-9-]+)',
};

function elementSql(filter: PropertyFilter, scope: FilterScope, field: string, resolveDate: (v: string, f: string) => string): string {
  if (filter.key === 'selector') return selectorFilterSql(filter, `${scope.prefix ?? ''}elements_chain`, scope.params, field);
  const pattern = lookup(ELEMENT_PATTERNS, filter.key);
  if (!pattern) throw new BadRequestError('invalid_input', `${field}: element filters on "${filter.key}" are not supported yet (text, href, tag_name, selector are).`, `${field}.key`);
  const values = `extractAll(${scope.prefix ?? ''}elements_chain, ${scope.params.str(pattern)})`;
  const operator = filter.operator ?? 'exact';
  if (operator === 'is_set') return `notEmpty(${values})`;
  if (operator === 'is_not_set') return `empty(${values})`;
  const negative = { is_not: 'exact', not_icontains: 'icontains', not_regex: 'regex', not_between: 'between' }[operator];
  const positive = operatorSql('toNullable(x)', negative ? { ...filter, operator: negative } : filter, scope.params, field, resolveDate);
  const exists = `arrayExists(x -> ${positive}, ${values})`;
  return negative ? `NOT ${exists}` : exists;
}

async function cohortSql(filter: PropertyFilter, scope: FilterScope, field: string, path: Set<number>): Promise<string> {
  const id = Number(filter.value);
  if (!Number.isInteger(id)) throw new BadRequestError('invalid_input', `${field}.value must be a cohort id.`, `${field}.value`);
  const member = await cohortMembershipSql(id, scope, field, path);
  const negated = filter.operator === 'not_in';
  return negated ? `NOT (${member})` : member;
}

/** SQL true for events whose person (as the event saw it) is in cohort `id` of the context's team. */
export async function cohortMembershipSql(id: number, scope: FilterScope, field: string, path: Set<number> = new Set()): Promise<string> {
  if (path.has(id)) throw new BadRequestError('invalid_input', `${field}: cohort ${id} refers to itself.`, field);
  const cohort = await scope.ctx.loadCohort(id);
  if (!cohort || cohort.deleted) throw new BadRequestError('invalid_input', `${field}: cohort ${id} does not exist.`, field);
  if (cohort.is_static) return `${scope.prefix ?? ''}person_id IN (${staticCohortMembersSql(TEAM_ID, scope.params.add(id, 'Int64'))})`;
  const group = cohort.filters?.properties;
  if (!group) return '1';
  const inner = new Set(path).add(id);
  return cohortNodeSql(group, scope, `${field} (cohort ${id})`, inner);
}

async function cohortNodeSql(node: unknown, scope: FilterScope, field: string, path: Set<number>): Promise<string> {
  if (isGroup(node)) {
    const parts = await Promise.all(node.values.map((v, i) => cohortNodeSql(v, scope, `${field}.values[${i}]`, path)));
    return node.type === 'AND' ? and(parts) : or(parts);
  }
  const filter = node as PropertyFilter;
  if (filter.type === 'person' || filter.type === 'cohort') return nodeSql(filter, scope, field, path);
  if (filter.type === 'behavioral') return behaviouralFilterSql(filter, scope, field);
  throw new BadRequestError('unsupported', `${field}: cohort filters of type "${describeValue(filter.type)}" are not supported in insights.`, field);
}
