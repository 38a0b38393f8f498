/**
 * LifecycleQuery: per interval, the actors of the (first) series who were
 * - new: active, and created (person_created_at) in that interval;
 * - returning: active, and active in the previous interval;
 * - resurrecting: active, not active in the previous interval, created before;
 * - dormant: active in the previous interval but not in this one (shown negative).
 * The interval before the range counts as "previous" for the first bucket.
 */
import { BadRequestError } from '../../http/errors';
import { bucketIndex, parseInterval, rangeCondition, resolveDateRange } from '../filters/date-range';
import { and, type FilterScope } from '../filters/property-filters';
import { actionEcho, baseWhere, parseSeries, seriesLabel, seriesSql } from '../filters/series';
import { SqlParams } from '../filters/sql-params';
import { addWall, fromWall } from '../filters/zoned-time';
import type { QueryContext, QueryRunner } from '../types';
import { runSql } from './run-sql';

export const LIFECYCLE_STATUSES = ['new', 'returning', 'resurrecting', 'dormant'] as const;

export async function lifecycleSql(query: Record<string, unknown>, ctx: QueryContext) {
  const params = new SqlParams(ctx.teamId, ctx.timezone);
  const scope: FilterScope = { ctx, params };
  const interval = parseInterval(query.interval);
  const [node] = parseSeries(query.series, 'series');
  if (query.aggregation_group_type_index !== undefined && query.aggregation_group_type_index !== null) {
    throw new BadRequestError('unsupported', 'Lifecycle of groups is not supported yet.', 'aggregation_group_type_index');
  }
  const range = await resolveDateRange(query.dateRange as never, interval, ctx);
  const before = fromWall(addWall(range.buckets[0], interval, -1), ctx.timezone);
  const where = and([await baseWhere(query, scope), await seriesSql(node, scope, 'series[0]'), rangeCondition({ from: before, to: range.to }, params)]);
  const idx = bucketIndex(range, 'timestamp', params, ctx.timezone);
  const created = bucketIndex(range, 'person_created_at', params, ctx.timezone);
  const n = range.buckets.length;
  /** One row per actor, bucket and status. */
  const perActor = `SELECT actor, x.1 AS i, x.2 AS status FROM (
  SELECT actor, arrayJoin(arrayConcat(
    arrayMap(i -> (i, if(i = created, 'new', if(has(b, i - 1), 'returning', 'resurrecting'))), arrayFilter(i -> i >= 0 AND i < ${n}, b)),
    arrayMap(i -> (i + 1, 'dormant'), arrayFilter(i -> i + 1 < ${n} AND NOT has(b, i + 1), b))
  )) AS x
  FROM (SELECT person_id AS actor, groupUniqArray(${idx}) AS b, min(${created}) AS created FROM events WHERE ${where} GROUP BY actor)
)`;
  return { params, range, node, perActor };
}

export const runLifecycleQuery: QueryRunner = async (query, ctx) => {
  const { params, range, node, perActor } = await lifecycleSql(query, ctx);
  const rows = await runSql<{ i: number | string; status: string; c: number | string }>(ctx, `SELECT i, status, count() AS c FROM (${perActor}) GROUP BY i, status`, params, 'lifecycle');
  const label = await seriesLabel(node, { ctx, params });
  const data = new Map(LIFECYCLE_STATUSES.map((s) => [s, new Array<number>(range.buckets.length).fill(0)]));
  for (const row of rows) {
    const values = data.get(row.status as (typeof LIFECYCLE_STATUSES)[number]);
    const i = Number(row.i);
    if (values && i >= 0 && i < values.length) values[i] = (row.status === 'dormant' ? -1 : 1) * Number(row.c);
  }
  const results = LIFECYCLE_STATUSES.map((status) => {
    const values = data.get(status)!;
    return {
      action: actionEcho(node, 0, label),
      label: `${label} - ${status}`,
      status,
      data: values,
      count: values.reduce((a, b) => a + b, 0),
      labels: [...range.labels],
      days: [...range.days],
    };
  });
  return { results, timezone: ctx.timezone, is_cached: false };
};
