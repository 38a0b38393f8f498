/**
 * LifecycleQuery: per interval, the actors of the (first) series who were
 * - new: active, and created (person_created_at) in that interval;
 * - returning: active, and active in the previous interval;
 * - resurrecting: active, not active in the previous interval, created before;
 * - dormant: active in the previous interval but not in this one (shown negative).
 * The interval before the range counts as "previous" for the first bucket.
 * With `aggregation_group_type_index` N the actors are the groups of type N (`$group_N` of the
 * events), "new" by the group's `created_at` in the groups table, as PostHog's runner does.
 */
import { bucketIndex, parseInterval, rangeCondition, resolveDateRange } from '../filters/date-range';
import { and, type FilterScope } from '../filters/property-filters';
import { actionEcho, baseWhere, parseSeries, seriesLabel, seriesSql } from '../filters/series';
import { SqlParams, TEAM_ID } from '../filters/sql-params';
import { addWall, fromWall } from '../filters/zoned-time';
import type { QueryContext, QueryRunner } from '../types';
import { runSql } from './run-sql';
import { actorColumn } from './trends-math';

export const LIFECYCLE_STATUSES = ['new', 'returning', 'resurrecting', 'dormant'] as const;

export async function lifecycleSql(query: Record<string, unknown>, ctx: QueryContext) {
  const params = new SqlParams(ctx.teamId, ctx.timezone);
  const scope: FilterScope = { ctx, params };
  const interval = parseInterval(query.interval);
  const [node] = parseSeries(query.series, 'series');
  const actor = actorColumn(query.aggregation_group_type_index);
  const range = await resolveDateRange(query.dateRange as never, interval, ctx);
  const before = fromWall(addWall(range.buckets[0], interval, -1), ctx.timezone);
  const where = and([await baseWhere(query, scope), await seriesSql(node, scope, 'series[0]'), rangeCondition({ from: before, to: range.to }, params)]);
  const idx = bucketIndex(range, 'timestamp', params, ctx.timezone);
  const n = range.buckets.length;
  const created = (column: string) => bucketIndex(range, column, params, ctx.timezone);
  const groupTypeIndex = actor === 'person_id' ? null : Number(query.aggregation_group_type_index);
  const activity = groupTypeIndex === null ? personActivity(where, idx, created('person_created_at')) : groupActivity(actor, groupTypeIndex, where, idx, created('g.created_at'));
  /** One row per actor, bucket and status. */
  const perActor = `SELECT actor, x.1 AS i, x.2 AS status FROM (
  SELECT actor, arrayJoin(arrayConcat(
    arrayMap(i -> (i, if(i = created, 'new', if(has(b, i - 1), 'returning', 'resurrecting'))), arrayFilter(i -> i >= 0 AND i < ${n}, b)),
    arrayMap(i -> (i + 1, 'dormant'), arrayFilter(i -> i + 1 < ${n} AND NOT has(b, i + 1), b))
  )) AS x
  FROM (${activity})
)`;
  return { params, range, node, perActor, groupTypeIndex };
}

/** actor, b (the buckets with activity), created (the bucket of the person's creation). */
const personActivity = (where: string, idx: string, created: string) =>
  `SELECT person_id AS actor, groupUniqArray(${idx}) AS b, min(${created}) AS created FROM events WHERE ${where} GROUP BY actor`;

/**
 * The same for groups. A group missing from the groups table joins the default created_at (1970),
 * so it is never "new", as PostHog's null created_at.
 */
const groupActivity = (actor: string, index: number, where: string, idx: string, created: string) => `SELECT a.actor AS actor, a.b AS b, ${created} AS created
  FROM (SELECT ${actor} AS actor, groupUniqArray(${idx}) AS b FROM events WHERE ${where} AND ${actor} != '' GROUP BY actor) AS a
  LEFT JOIN (SELECT group_key, argMax(created_at, version) AS created_at FROM groups WHERE team_id = ${TEAM_ID} AND group_type_index = ${index} GROUP BY group_key) AS g
  ON a.actor = g.group_key`;

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
