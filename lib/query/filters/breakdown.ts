/**
 * breakdownFilter → what to group by: a property of the event, person or group (or an event
 * column), a HogQL expression (printed by lib/hogql), or a list of cohorts. Null values show as
 * PostHog's null marker; values past `breakdown_limit` (default 25) as its "other" marker.
 */
import { BadRequestError } from '../../http/errors';
import type { FilterScope } from './property-filters';
import { printHogQL } from './hogql-expression';
import { propertyValueSql } from './property-filters';
import { sessionPropertyValueSql } from './session-filter';

export const BREAKDOWN_OTHER = '$$_posthog_breakdown_other_$$';
export const BREAKDOWN_NULL = '$$_posthog_breakdown_null_$$';
export const DEFAULT_BREAKDOWN_LIMIT = 25;

export type Breakdown =
  | { readonly kind: 'none' }
  /** `sql`: a String expression (nulls already replaced by the null marker). */
  | {
      readonly kind: 'value';
      readonly sql: string;
      readonly limit: number;
      readonly hideOther: boolean;
      /** Multiple breakdowns (2–3): `sql` is the JSON array of the values, and so is each key. */
      readonly multi?: number;
    }
  | { readonly kind: 'cohort'; readonly cohorts: readonly (number | 'all')[] };

interface BreakdownFilterInput {
  readonly breakdown_type?: string | null;
  readonly breakdown?: unknown;
  readonly breakdown_limit?: number | null;
  readonly breakdown_group_type_index?: number | null;
  readonly breakdown_hide_other_aggregation?: boolean | null;
  readonly breakdowns?: readonly { type?: string; property?: unknown; value?: unknown; group_type_index?: number | null }[] | null;
}

export async function parseBreakdown(input: unknown, scope: FilterScope): Promise<Breakdown> {
  if (input === undefined || input === null) return { kind: 'none' };
  if (typeof input !== 'object') throw new BadRequestError('invalid_input', 'breakdownFilter must be an object.', 'breakdownFilter');
  const f = input as BreakdownFilterInput;
  let type = f.breakdown_type ?? 'event';
  let key: unknown = f.breakdown;
  let groupIndex = f.breakdown_group_type_index;
  if (Array.isArray(f.breakdowns) && f.breakdowns.length > 1) return multiBreakdown(f, scope);
  if (Array.isArray(f.breakdowns) && f.breakdowns.length > 0) {
    const b = f.breakdowns[0];
    type = b.type ?? 'event';
    key = b.property ?? b.value;
    groupIndex = b.group_type_index;
  }
  if (key === undefined || key === null || key === '') return { kind: 'none' };
  const limit = f.breakdown_limit ?? DEFAULT_BREAKDOWN_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new BadRequestError('invalid_input', 'breakdownFilter.breakdown_limit must be a positive integer.', 'breakdownFilter.breakdown_limit');
  const hideOther = f.breakdown_hide_other_aggregation === true;
  if (type === 'cohort') {
    const ids = (Array.isArray(key) ? key : [key]).map((v) => (v === 'all' || v === 0 || v === '0' ? 'all' : Number(v)));
    if (ids.some((v) => v !== 'all' && !Number.isInteger(v))) throw new BadRequestError('invalid_input', 'breakdownFilter.breakdown must list cohort ids (or "all").', 'breakdownFilter.breakdown');
    return { kind: 'cohort', cohorts: ids };
  }
  if (typeof key !== 'string') throw new BadRequestError('invalid_input', 'breakdownFilter.breakdown must be a property name.', 'breakdownFilter.breakdown');
  let value: string;
  if (type === 'hogql') value = `toNullable(toString(${await printHogQL(key, scope.ctx, 'breakdownFilter.breakdown')}))`;
  else if (['event', 'person', 'group', 'event_metadata'].includes(type)) value = propertyValueSql(type, key, groupIndex, scope, 'breakdownFilter');
  else if (type === 'session') value = sessionPropertyValueSql(key, scope, 'breakdownFilter.breakdown');
  else throw new BadRequestError('unsupported', `breakdownFilter.breakdown_type "${type}" is not supported (event, person, group, event_metadata, session, cohort, hogql are).`, 'breakdownFilter.breakdown_type');
  return { kind: 'value', sql: `ifNull(${value}, ${scope.params.str(BREAKDOWN_NULL)})`, limit, hideOther };
}

/** `breakdowns` with 2–3 properties: one key per combination, the JSON array of its values. */
async function multiBreakdown(f: BreakdownFilterInput, scope: FilterScope): Promise<Breakdown> {
  const list = f.breakdowns!;
  if (list.length > 3) throw new BadRequestError('invalid_input', 'breakdownFilter.breakdowns holds at most 3 breakdowns.', 'breakdownFilter.breakdowns');
  const values = await Promise.all(
    list.map(async (b, i) => {
      const field = `breakdownFilter.breakdowns[${i}]`;
      const key = b.property ?? b.value;
      const type = b.type ?? 'event';
      if (typeof key !== 'string' || key === '') throw new BadRequestError('invalid_input', `${field}.property must be a property name.`, `${field}.property`);
      const value =
        type === 'hogql'
          ? `toNullable(toString(${await printHogQL(key, scope.ctx, `${field}.property`)}))`
          : ['event', 'person', 'group', 'event_metadata'].includes(type)
            ? propertyValueSql(type, key, b.group_type_index, scope, field)
            : type === 'session'
              ? sessionPropertyValueSql(key, scope, `${field}.property`)
              : null;
      if (!value) throw new BadRequestError('unsupported', `${field}.type "${type}" is not supported in multiple breakdowns.`, `${field}.type`);
      return `ifNull(${value}, ${scope.params.str(BREAKDOWN_NULL)})`;
    }),
  );
  const limit = f.breakdown_limit ?? DEFAULT_BREAKDOWN_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new BadRequestError('invalid_input', 'breakdownFilter.breakdown_limit must be a positive integer.', 'breakdownFilter.breakdown_limit');
  return { kind: 'value', sql: `toJSONString([${values.join(', ')}])`, limit, hideOther: f.breakdown_hide_other_aggregation === true, multi: list.length };
}

/** A breakdown key as PostHog shows it: the value, or the list of values of a multiple breakdown. */
export function breakdownValue(key: string, multi: number | undefined): string | string[] {
  if (!multi) return key;
  if (key === BREAKDOWN_OTHER) return new Array<string>(multi).fill(BREAKDOWN_OTHER);
  return JSON.parse(key) as string[];
}
