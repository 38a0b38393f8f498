/**
 * FunnelsQuery: steps (funnelVizType "steps", optionally broken down by a property or by cohorts,
 * see funnel-cohorts.ts), time to convert ("time_to_convert") and conversion over time ("trends",
 * see funnel-trends.ts), over ordered / strict / unordered funnels with a conversion window and
 * exclusions (see funnel-sql.ts). Counts are actors (persons, or groups with
 * aggregation_group_type_index) reaching each step; conversion times are in seconds.
 */
import { BadRequestError } from '../../http/errors';
import { BREAKDOWN_OTHER, breakdownValue, parseBreakdown } from '../filters/breakdown';
import { parseInterval, rangeCondition, type ResolvedRange, resolveDateRange } from '../filters/date-range';
import { and, type FilterScope } from '../filters/property-filters';
import { baseWhere, parseSeries, parseSeriesNode, type SeriesNode, seriesLabel, seriesSql } from '../filters/series';
import { SqlParams } from '../filters/sql-params';
import type { QueryContext, QueryRunner } from '../types';
import { cohortPartitionsSql, type FunnelCohort, funnelCohorts } from './funnel-cohorts';
import { type FunnelOrder, type FunnelSqlSpec, perActorSql } from './funnel-sql';
import { conversionTrend } from './funnel-trends';
import { objectField, runSql } from './run-sql';
import { actorColumn } from './trends-math';

const UNIT_MS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 31 * 86_400_000 };

export interface ParsedFunnel {
  readonly spec: FunnelSqlSpec;
  readonly series: readonly SeriesNode[];
  readonly labels: readonly string[];
  readonly breakdownLimit: number | null;
  readonly breakdownMulti?: number;
  readonly hideOther: boolean;
  /** Cohort breakdowns: the cohorts, in the order asked (the funnel's partitions). */
  readonly cohorts: readonly FunnelCohort[] | null;
  readonly filter: Record<string, unknown>;
  readonly params: SqlParams;
  readonly range: ResolvedRange;
}

/** Parses a FunnelsQuery into its per-actor SQL (shared with the actors query). */
export async function parseFunnel(query: Record<string, unknown>, ctx: QueryContext): Promise<ParsedFunnel> {
  const params = new SqlParams(ctx.teamId, ctx.timezone);
  const scope: FilterScope = { ctx, params };
  const series = parseSeries(query.series, 'series', { min: 2 });
  const filter = objectField(query, 'funnelsFilter');
  const order = (filter.funnelOrderType ?? 'ordered') as FunnelOrder;
  if (!['ordered', 'strict', 'unordered'].includes(order)) throw new BadRequestError('invalid_input', 'funnelsFilter.funnelOrderType must be ordered, strict or unordered.', 'funnelsFilter.funnelOrderType');
  const windowCount = filter.funnelWindowInterval ?? 14;
  const unit = String(filter.funnelWindowIntervalUnit ?? 'day');
  if (typeof windowCount !== 'number' || !(windowCount > 0) || !Object.hasOwn(UNIT_MS, unit)) {
    throw new BadRequestError('invalid_input', 'funnelsFilter.funnelWindowInterval must be a positive number of second/minute/hour/day/week/month.', 'funnelsFilter.funnelWindowInterval');
  }
  const range = await resolveDateRange(query.dateRange as never, parseInterval(query.interval), ctx, { from: '-7d' });
  const steps = await Promise.all(series.map((node, i) => seriesSql(node, scope, `series[${i}]`)));
  const rawExclusions = Array.isArray(filter.exclusions) ? filter.exclusions : [];
  if (rawExclusions.length && order === 'unordered') throw new BadRequestError('invalid_input', 'funnelsFilter.exclusions are not allowed in unordered funnels.', 'funnelsFilter.exclusions');
  const exclusions = await Promise.all(
    rawExclusions.map(async (raw: Record<string, unknown>, i: number) => {
      const field = `funnelsFilter.exclusions[${i}]`;
      const node = parseSeriesNode(raw, field);
      const from = Number(raw.funnelFromStep ?? 0);
      const to = Number(raw.funnelToStep ?? series.length - 1);
      if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to <= from || to >= series.length) {
        throw new BadRequestError('invalid_input', `${field}: funnelFromStep and funnelToStep must be steps with from < to.`, field);
      }
      return { sql: await seriesSql(node, scope, field), from, to };
    }),
  );
  const breakdown = await parseBreakdown(query.breakdownFilter, scope);
  const cohorts = breakdown.kind === 'cohort' ? await funnelCohorts(breakdown.cohorts, scope) : null;
  let attribution: FunnelSqlSpec['attribution'] = filter.breakdownAttributionType === 'last_touch' ? 'last_touch' : 'first_touch';
  if (filter.breakdownAttributionType === 'step') {
    const step = Number(filter.breakdownAttributionValue ?? 0);
    if (!Number.isInteger(step) || step < 0 || step >= series.length) throw new BadRequestError('invalid_input', 'funnelsFilter.breakdownAttributionValue must be a step index.', 'funnelsFilter.breakdownAttributionValue');
    attribution = { step };
  }
  const actor = actorColumn(query.aggregation_group_type_index);
  const spec: FunnelSqlSpec = {
    actor,
    // Aggregated by group, an event without one (empty key) belongs to no actor.
    where: and([await baseWhere(query, scope), rangeCondition(range, params), actor === 'person_id' ? '1' : `${actor} != ''`]),
    steps,
    exclusions,
    order,
    windowMs: Math.round(windowCount * UNIT_MS[unit]),
    breakdown: breakdown.kind === 'value' ? breakdown.sql : null,
    partitions: cohorts ? cohortPartitionsSql(cohorts) : null,
    attribution,
  };
  const labels = await Promise.all(series.map((node) => seriesLabel(node, scope)));
  return {
    spec,
    series,
    labels,
    breakdownLimit: breakdown.kind === 'value' ? breakdown.limit : null,
    breakdownMulti: breakdown.kind === 'value' ? breakdown.multi : undefined,
    hideOther: breakdown.kind === 'value' && breakdown.hideOther,
    cohorts,
    filter,
    params,
    range,
  };
}

export const runFunnelsQuery: QueryRunner = async (query, ctx) => {
  const funnel = await parseFunnel(query, ctx);
  const viz = funnel.filter.funnelVizType ?? 'steps';
  if (viz === 'time_to_convert') return { results: await timeToConvert(funnel, ctx), timezone: ctx.timezone, is_cached: false };
  if (viz === 'trends') return { results: await conversionTrend(funnel, stepRange(funnel), ctx), timezone: ctx.timezone, is_cached: false };
  if (viz !== 'steps') throw new BadRequestError('invalid_input', 'funnelsFilter.funnelVizType must be steps, time_to_convert or trends.', 'funnelsFilter.funnelVizType');
  return { results: await steps(funnel, ctx), timezone: ctx.timezone, is_cached: false, isUdf: false };
};

async function steps(funnel: ParsedFunnel, ctx: QueryContext): Promise<unknown[]> {
  const n = funnel.series.length;
  const { params } = funnel;
  const perActor = perActorSql(funnel.spec);
  const columns: string[] = [];
  for (let k = 0; k < n; k++) {
    columns.push(`countIf(level >= ${k + 1}) AS c${k}`);
    if (k > 0) {
      const d = `(times[${k + 1}] - times[${k}]) / 1000`;
      columns.push(`avgIf(${d}, level >= ${k + 1}) AS a${k}`, `quantileIf(0.5)(${d}, level >= ${k + 1}) AS m${k}`);
    }
  }
  // Cohorts are few and asked for by id: no limit, no "other".
  const group = funnel.cohorts
    ? 'b'
    : funnel.breakdownLimit
      ? `if(b IN (SELECT b FROM per_actor GROUP BY b ORDER BY count() DESC, b LIMIT ${funnel.breakdownLimit}), b, ${params.str(BREAKDOWN_OTHER)})`
      : "''";
  const sql = `WITH per_actor AS (${perActor}) SELECT ${group} AS bb, ${columns.join(', ')} FROM per_actor GROUP BY bb ORDER BY c0 DESC, bb`;
  const rows = await runSql<Record<string, unknown>>(ctx, sql, params, 'funnel');
  const build = (row: Record<string, unknown> | undefined, breakdown: string | null) =>
    funnel.series.map((node, k) => {
      const count = row ? Number(row[`c${k}`]) : 0;
      const reached = count > 0 && k > 0;
      const step: Record<string, unknown> = {
        action_id: node.kind === 'ActionsNode' ? Number(node.id) : (node.event ?? null),
        name: funnel.labels[k],
        custom_name: node.custom_name ?? null,
        order: k,
        count,
        type: node.kind === 'ActionsNode' ? 'actions' : 'events',
        average_conversion_time: reached ? finite(row![`a${k}`]) : null,
        median_conversion_time: reached ? finite(row![`m${k}`]) : null,
      };
      if (breakdown !== null) Object.assign(step, stepBreakdown(funnel, breakdown));
      return step;
    });
  if (!funnel.breakdownLimit && !funnel.cohorts) return build(rows[0], null);
  const ordered = [...rows.filter((r) => r.bb !== BREAKDOWN_OTHER), ...rows.filter((r) => r.bb === BREAKDOWN_OTHER && !funnel.hideOther)];
  return ordered.map((row) => build(row, String(row.bb)));
}

/** A breakdown funnel's `breakdown` (what to show) and `breakdown_value` (what to ask actors for). */
function stepBreakdown(funnel: ParsedFunnel, key: string): { breakdown: unknown; breakdown_value: unknown } {
  const cohort = funnel.cohorts?.find((c) => c.key === key);
  if (cohort) return { breakdown: cohort.name, breakdown_value: cohort.id };
  const value = breakdownValue(key, funnel.breakdownMulti);
  const list = Array.isArray(value) ? value : [value];
  return { breakdown: list, breakdown_value: list };
}

const finite = (v: unknown) => (Number.isFinite(Number(v)) ? Number(v) : null);

function stepRange(funnel: ParsedFunnel): { from: number; to: number } {
  const n = funnel.series.length;
  const from = Number(funnel.filter.funnelFromStep ?? 0);
  const to = Number(funnel.filter.funnelToStep ?? n - 1);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to <= from || to >= n) {
    throw new BadRequestError('invalid_input', 'funnelsFilter.funnelFromStep/funnelToStep must be steps with from < to.', 'funnelsFilter.funnelToStep');
  }
  return { from, to };
}

async function timeToConvert(funnel: ParsedFunnel, ctx: QueryContext): Promise<Record<string, unknown>> {
  const { from, to } = stepRange(funnel);
  const requestedBins = funnel.filter.binCount;
  if (requestedBins !== undefined && requestedBins !== null && (!Number.isInteger(requestedBins) || (requestedBins as number) < 1)) {
    throw new BadRequestError('invalid_input', 'funnelsFilter.binCount must be a positive integer.', 'funnelsFilter.binCount');
  }
  const { params } = funnel;
  const seconds = `WITH per_actor AS (${perActorSql({ ...funnel.spec, breakdown: null, partitions: null })}) SELECT (times[${to + 1}] - times[${from + 1}]) / 1000 AS t FROM per_actor WHERE level >= ${to + 1}`;
  const stats = await runSql<{ lo: number; hi: number; n: number | string; mean: number }>(
    ctx,
    `SELECT min(t) AS lo, max(t) AS hi, count() AS n, avg(t) AS mean FROM (${seconds})`,
    params,
    'ttc-stats',
  );
  const count = Number(stats[0]?.n ?? 0);
  if (count === 0) return { bins: [], average_conversion_time: null };
  const lo = Math.floor(Number(stats[0].lo));
  const hi = Math.ceil(Number(stats[0].hi));
  // PostHog's automatic bin count: the cube root of the number of conversions, 1..60.
  const bins = (requestedBins as number | undefined) ?? Math.min(60, Math.max(1, Math.ceil(Math.cbrt(count))));
  const width = Math.max(1, Math.ceil((hi - lo) / bins));
  const rows = await runSql<{ bin: number | string; c: number | string }>(
    ctx,
    `SELECT least(toInt64(floor((t - ${lo}) / ${width})), ${bins - 1}) AS bin, count() AS c FROM (${seconds}) GROUP BY bin`,
    params,
    'ttc-bins',
  );
  const counts = new Array<number>(bins).fill(0);
  for (const r of rows) counts[Number(r.bin)] = Number(r.c);
  return { bins: counts.map((c, i) => [lo + i * width, c]), average_conversion_time: Number(stats[0].mean) };
}
