/**
 * A trends series' `math` as ClickHouse aggregation. `combine` says how per-breakdown-value
 * results merge into "other" without a second pass (count → sum, min, max); the rest (unique
 * counts, averages, quantiles) rank the breakdown values in SQL first.
 */
import { BadRequestError } from '../../http/errors';
import { groupIndex, jsonProperty } from '../filters/property-filters';
import type { SqlParams } from '../filters/sql-params';
import type { SeriesNode } from '../filters/series';

export interface MathPlan {
  /** Aggregate over the rows of one bucket (and breakdown value). */
  readonly agg: string;
  /** Extra WHERE condition (non-empty session/group ids). */
  readonly where: string;
  readonly combine: 'sum' | 'min' | 'max' | null;
  /** weekly_active / monthly_active: the look-back window in days. */
  readonly activeWindowDays?: number;
  /** The actor column counted by unique-actor maths. */
  readonly actor: string;
}

const QUANTILES: Record<string, number> = { median: 0.5, p75: 0.75, p90: 0.9, p95: 0.95, p99: 0.99 };
const PROPERTY_MATHS = ['sum', 'avg', 'min', 'max', ...Object.keys(QUANTILES)];

/** The actor a unique count counts: the person, or the group of aggregation_group_type_index. */
export function actorColumn(aggregationGroupTypeIndex: unknown): string {
  if (aggregationGroupTypeIndex === undefined || aggregationGroupTypeIndex === null) return 'person_id';
  return `\`$group_${groupIndex(aggregationGroupTypeIndex, 'aggregation_group_type_index')}\``;
}

/** `hogql`: math_hogql already printed to SQL (math "hogql"). */
export function mathPlan(node: SeriesNode, field: string, params: SqlParams, aggregationGroupTypeIndex: unknown, hogql?: string): MathPlan {
  const math = node.math ?? 'total';
  const actor = actorColumn(aggregationGroupTypeIndex);
  const actorWhere = actor === 'person_id' ? '1' : `${actor} != ''`;
  const f = (agg: string) => `ifNotFinite(toFloat64(${agg}), 0)`;
  if (math === 'hogql') {
    if (!hogql) throw new BadRequestError('invalid_input', `${field}.math_hogql is required for math hogql.`, `${field}.math_hogql`);
    return { agg: f(hogql), where: '1', combine: null, actor };
  }
  if (math === 'total') return { agg: 'toFloat64(count())', where: '1', combine: 'sum', actor };
  if (math === 'dau') return { agg: f(`uniqExact(${actor})`), where: actorWhere, combine: null, actor };
  if (math === 'weekly_active' || math === 'monthly_active') {
    return { agg: f(`uniqExact(${actor})`), where: actorWhere, combine: null, actor, activeWindowDays: math === 'weekly_active' ? 7 : 30 };
  }
  if (math === 'unique_session') return { agg: f('uniqExact(`$session_id`)'), where: "`$session_id` != ''", combine: null, actor };
  if (math === 'unique_group') {
    const column = `\`$group_${groupIndex(node.math_group_type_index, `${field}.math_group_type_index`)}\``;
    return { agg: f(`uniqExact(${column})`), where: `${column} != ''`, combine: null, actor };
  }
  if (math === 'avg_count_per_actor') return { agg: f(`count() / uniqExact(${actor})`), where: actorWhere, combine: null, actor };
  if (PROPERTY_MATHS.includes(math)) {
    if (!node.math_property) throw new BadRequestError('invalid_input', `${field}.math_property is required for math ${math}.`, `${field}.math_property`);
    const column = node.math_property_type === 'person_properties' ? 'person_properties' : 'properties';
    const value = `toFloat64OrNull(${jsonProperty(column, node.math_property, params)})`;
    const where = `${value} IS NOT NULL`;
    if (math in QUANTILES) return { agg: f(`quantile(${QUANTILES[math]})(${value})`), where, combine: null, actor };
    if (math === 'avg') return { agg: f(`avg(${value})`), where, combine: null, actor };
    return { agg: f(`${math}(${value})`), where, combine: math as 'sum' | 'min' | 'max', actor };
  }
  throw new BadRequestError('unsupported', `${field}.math "${math}" is not supported (total, hogql, dau, weekly_active, monthly_active, unique_session, unique_group, avg_count_per_actor, sum, avg, min, max, median, p75, p90, p95, p99 are).`, `${field}.math`);
}
