/**
 * breakdownFilter → what to group by: a property of the event, person or group (or an event
 * column), a HogQL expression (printed by lib/hogql), or a list of cohorts. Null values show as
 * PostHog's null marker; values past `breakdown_limit` (default 25) as its "other" marker.
 */
import { BadRequestError } from '../../http/errors';
import type { FilterScope } from './property-filters';
import { printHogQL } from './hogql-expression';
import { propertyValueSql } from './property-filters';

export const BREAKDOWN_OTHER = '$$_posthog_breakdown_other_$$';
export const BREAKDOWN_NULL = '$$_posthog_breakdown_null_$$';
export const DEFAULT_BREAKDOWN_LIMIT = 25;

export type Breakdown =
  | { readonly kind: 'none' }
  /** `sql`: a String expression (nulls already replaced by the null marker). */
  | { readonly kind: 'value'; readonly sql: string; readonly limit: number; readonly hideOther: boolean }
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
  if (Array.isArray(f.breakdowns) && f.breakdowns.length > 0) {
    if (f.breakdowns.length > 1) throw new BadRequestError('unsupported', 'breakdownFilter.breakdowns: only one breakdown at a time is supported yet.', 'breakdownFilter.breakdowns');
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
  else throw new BadRequestError('unsupported', `breakdownFilter.breakdown_type "${type}" is not supported yet (event, person, group, event_metadata, cohort, hogql are).`, 'breakdownFilter.breakdown_type');
  return { kind: 'value', sql: `ifNull(${value}, ${scope.params.str(BREAKDOWN_NULL)})`, limit, hideOther };
}
