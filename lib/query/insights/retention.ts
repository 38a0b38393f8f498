/**
 * RetentionQuery: cohorts of actors by the period in which they did the target event — their
 * first ever (retention_first_time) or any (retention_recurring, the default) — and, per later
 * period, how many of each cohort did the returning event. `totalIntervals` periods end with
 * the one holding `dateRange.date_to` (default now). Result: one row per cohort with
 * `values[k].count` = actors of the cohort active k periods later (`values[0]` = cohort size).
 */
import { BadRequestError } from '../../http/errors';
import { periodNumber, resolveDateRange } from '../filters/date-range';
import { and, type FilterScope } from '../filters/property-filters';
import { baseWhere, parseSeriesNode, type SeriesNode, seriesSql } from '../filters/series';
import { SqlParams } from '../filters/sql-params';
import { addWall, fromWall, type Interval, isoWithOffset, toWall, truncateWall } from '../filters/zoned-time';
import type { QueryRunner } from '../types';
import { objectField, runSql } from './run-sql';
import { actorColumn } from './trends-math';
import { lookup } from '../../lookup';

const PERIODS: Record<string, Interval> = { Hour: 'hour', Day: 'day', Week: 'week', Month: 'month' };

/** A retention entity ({id, type: events|actions} or an EventsNode/ActionsNode) as a series node. */
export function entityNode(value: unknown, field: string): SeriesNode {
  if (value === undefined || value === null) return { kind: 'EventsNode', event: '$pageview' };
  if (typeof value !== 'object') throw new BadRequestError('invalid_input', `${field} must be an entity.`, field);
  const e = value as Record<string, unknown>;
  if (e.kind === 'EventsNode' || e.kind === 'ActionsNode') return parseSeriesNode(e, field);
  if (e.type === 'actions') return parseSeriesNode({ kind: 'ActionsNode', id: e.id, properties: e.properties, name: e.name }, field);
  return parseSeriesNode({ kind: 'EventsNode', event: e.id ?? null, properties: e.properties, name: e.name }, field);
}

export interface RetentionSetup {
  readonly interval: Interval;
  readonly total: number;
  readonly firstTime: boolean;
  /** Wall start of period 0. */
  readonly startWall: Date;
  readonly params: SqlParams;
  /** SELECT actor, start, k (one row per actor, cohort and period offset with activity). */
  readonly perActorSql: string;
  readonly label: string;
}

export async function setupRetention(query: Record<string, unknown>, ctx: Parameters<QueryRunner>[1]): Promise<RetentionSetup> {
  const params = new SqlParams(ctx.teamId, ctx.timezone);
  const scope: FilterScope = { ctx, params };
  const filter = objectField(query, 'retentionFilter');
  const period = String(filter.period ?? 'Day');
  const interval = lookup(PERIODS, period);
  if (!interval) throw new BadRequestError('invalid_input', 'retentionFilter.period must be Hour, Day, Week or Month.', 'retentionFilter.period');
  const total = filter.totalIntervals ?? 8;
  if (!Number.isInteger(total) || (total as number) < 1 || (total as number) > 400) throw new BadRequestError('invalid_input', 'retentionFilter.totalIntervals must be an integer from 1 to 400.', 'retentionFilter.totalIntervals');
  const type = filter.retentionType ?? 'retention_recurring';
  if (type !== 'retention_first_time' && type !== 'retention_recurring') throw new BadRequestError('invalid_input', 'retentionFilter.retentionType must be retention_first_time or retention_recurring.', 'retentionFilter.retentionType');
  const firstTime = type === 'retention_first_time';

  // The last period holds date_to; period 0 starts total - 1 periods earlier.
  const dateRange = (query.dateRange ?? {}) as { date_to?: string | null };
  const end = await resolveDateRange({ date_from: dateRange.date_to ?? 'dStart', date_to: dateRange.date_to ?? null }, interval === 'hour' ? 'hour' : 'day', ctx);
  const lastWall = truncateWall(toWall(new Date(end.to.getTime() - 1), ctx.timezone), interval);
  const startWall = addWall(lastWall, interval, -((total as number) - 1));
  const from = fromWall(startWall, ctx.timezone);
  const to = fromWall(addWall(lastWall, interval, 1), ctx.timezone);

  const targetNode = entityNode(filter.targetEntity, 'retentionFilter.targetEntity');
  const returningNode = entityNode(filter.returningEntity ?? filter.targetEntity, 'retentionFilter.returningEntity');
  const target = await seriesSql(targetNode, scope, 'retentionFilter.targetEntity');
  // The same entity twice (the usual case) is one condition and, for recurring retention, one set of periods.
  const same = JSON.stringify(targetNode) === JSON.stringify(returningNode);
  const returning = same ? target : await seriesSql(returningNode, scope, 'retentionFilter.returningEntity');
  const base = await baseWhere(query, scope);
  const fromSql = params.time(from);
  const toSql = params.time(to);
  const p = `(${periodNumber(interval, 'timestamp')} - ${periodNumber(interval, fromSql)})`;
  const actor = actorColumn(query.aggregation_group_type_index);
  const either = same ? target : `(${target}) OR (${returning})`;
  const scan = and([base, `timestamp < ${toSql}`, firstTime ? `((${target}) OR ((${returning}) AND timestamp >= ${fromSql}))` : `timestamp >= ${fromSql} AND (${either})`]);
  let aggregates: string;
  if (same && !firstTime) aggregates = 'groupUniqArray(p) AS starts, starts AS ret';
  else {
    const starts = firstTime ? 'if(countIf(is_target) > 0, [minIf(p, is_target)], [])' : 'groupUniqArrayIf(p, is_target)';
    aggregates = `${starts} AS starts, groupUniqArrayIf(p, is_returning AND p >= 0) AS ret`;
  }
  const flags = same && !firstTime ? '' : `, (${target}) AS is_target, (${returning}) AS is_returning`;
  const perActorSql = `SELECT actor, start, arrayJoin(arrayConcat([0], arrayMap(r -> r - start, arrayFilter(r -> r > start, ret)))) AS k
FROM (
  SELECT actor, ${aggregates}
  FROM (SELECT ${actor} AS actor, ${p} AS p${flags} FROM events WHERE ${scan}${actor === 'person_id' ? '' : ` AND ${actor} != ''`})
  GROUP BY actor
)
ARRAY JOIN arrayFilter(s -> s >= 0 AND s < ${total}, starts) AS start`;
  return { interval, total: total as number, firstTime, startWall, params, perActorSql, label: period };
}

export const runRetentionQuery: QueryRunner = async (query, ctx) => {
  const r = await setupRetention(query, ctx);
  const rows = await runSql<{ start: number | string; k: number | string; c: number | string }>(
    ctx,
    `SELECT start, k, count() AS c FROM (${r.perActorSql}) GROUP BY start, k`,
    r.params,
    'retention',
  );
  const counts = Array.from({ length: r.total }, (_, i) => new Array<number>(r.total - i).fill(0));
  for (const row of rows) {
    const start = Number(row.start);
    const k = Number(row.k);
    if (start >= 0 && start < r.total && k < r.total - start) counts[start][k] = Number(row.c);
  }
  const results = counts.map((values, i) => ({
    date: isoWithOffset(addWall(r.startWall, r.interval, i), ctx.timezone),
    label: `${r.label} ${i}`,
    values: values.map((count, k) => ({ count, label: `${r.label} ${k}` })),
  }));
  return { results, timezone: ctx.timezone, is_cached: false };
};
