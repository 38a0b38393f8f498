/**
 * StickinessQuery: per series, how many actors were active in exactly 1, 2, … N intervals of
 * the range (N = the number of intervals). `days` holds 1..N, `labels` "1 day", "2 days"…
 * With compareFilter, the same for the previous period (results tagged compare_label).
 */
import { bucketIndex, parseInterval, previousRange, rangeCondition, resolveDateRange } from '../filters/date-range';
import { and, type FilterScope } from '../filters/property-filters';
import { actionEcho, baseWhere, parseSeries, seriesLabel, seriesSql } from '../filters/series';
import { SqlParams } from '../filters/sql-params';
import type { QueryContext, QueryRunner } from '../types';
import { objectField, runSql } from './run-sql';
import { actorColumn } from './trends-math';

export async function stickinessSql(query: Record<string, unknown>, ctx: QueryContext, seriesIndex: number, previous = false) {
  const params = new SqlParams(ctx.teamId, ctx.timezone);
  const scope: FilterScope = { ctx, params };
  const interval = parseInterval(query.interval);
  const series = parseSeries(query.series, 'series');
  const current = await resolveDateRange(query.dateRange as never, interval, ctx);
  const range = previous ? previousRange(current, ctx.timezone, objectField(query, 'compareFilter').compare_to as string | undefined) : current;
  const node = series[seriesIndex];
  const actor = actorColumn(query.aggregation_group_type_index);
  const where = and([await baseWhere(query, scope), await seriesSql(node, scope, `series[${seriesIndex}]`), rangeCondition(range, params), actor === 'person_id' ? '1' : `${actor} != ''`]);
  const perActor = `SELECT ${actor} AS actor, uniqExact(${bucketIndex(range, 'timestamp', params, ctx.timezone)}) AS intervals FROM events WHERE ${where} GROUP BY actor`;
  return { params, range, series, node, perActor, interval };
}

export const runStickinessQuery: QueryRunner = async (query, ctx) => {
  const count = parseSeries(query.series, 'series').length;
  const compare = objectField(query, 'compareFilter').compare === true;
  const results = [];
  const runs = (compare ? [false, true] : [false]).flatMap((previous) => Array.from({ length: count }, (_, s) => ({ previous, s })));
  for (const { previous, s } of runs) {
    const { params, range, node, perActor, interval } = await stickinessSql(query, ctx, s, previous);
    const rows = await runSql<{ intervals: number | string; c: number | string }>(ctx, `SELECT intervals, count() AS c FROM (${perActor}) GROUP BY intervals`, params, `stickiness-${previous ? 'p' : 'c'}${s}`);
    const n = range.buckets.length;
    const data = new Array<number>(n).fill(0);
    for (const row of rows) {
      const k = Number(row.intervals);
      if (k >= 1 && k <= n) data[k - 1] = Number(row.c);
    }
    const label = await seriesLabel(node, { ctx, params });
    results.push({
      action: actionEcho(node, s, label),
      label,
      data,
      count: data.reduce((a, b) => a + b, 0),
      labels: data.map((_, k) => `${k + 1} ${interval}${k === 0 ? '' : 's'}`),
      days: data.map((_, k) => k + 1),
      ...(compare ? { compare: true, compare_label: previous ? 'previous' : 'current' } : {}),
    });
  }
  return { results, timezone: ctx.timezone, is_cached: false };
};
