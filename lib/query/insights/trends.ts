/**
 * TrendsQuery: each series (EventsNode/ActionsNode) with its math per interval bucket, broken
 * down by a property or cohorts, compared with the previous period, combined by a formula.
 * Response: PostHog's list of series objects (`data`, `labels`, `days`, `count`, `label`,
 * `action`, `breakdown_value`, `compare_label`, `aggregated_value` for non-time-series displays).
 */
import { BadRequestError } from '../../http/errors';
import { BREAKDOWN_OTHER, breakdownValue, parseBreakdown } from '../filters/breakdown';
import { parseInterval, previousRange, type ResolvedRange, resolveDateRange } from '../filters/date-range';
import { printHogQL } from '../filters/hogql-expression';
import { and, cohortMembershipSql, type FilterScope } from '../filters/property-filters';
import { actionEcho, baseWhere, parseSeries, seriesLabel, seriesSql } from '../filters/series';
import { SqlParams } from '../filters/sql-params';
import type { QueryRunner } from '../types';
import { parseFormula } from './formula';
import { objectField } from './run-sql';
import { mathPlan } from './trends-math';
import { computeSeries } from './trends-series';

/** Displays that show one number per series instead of a time series. */
export const AGGREGATE_DISPLAYS = ['BoldNumber', 'ActionsPie', 'ActionsTable', 'ActionsBarValue', 'WorldMap'];

interface Period {
  readonly label: 'current' | 'previous' | null;
  readonly range: ResolvedRange;
}

type Series = Record<string, unknown> & { data: number[]; breakdown_value?: unknown; compare_label?: string; aggregated_value?: number };

export const runTrendsQuery: QueryRunner = async (query, ctx) => {
  const params = new SqlParams(ctx.teamId, ctx.timezone);
  const scope: FilterScope = { ctx, params };
  const interval = parseInterval(query.interval);
  const series = parseSeries(query.series, 'series');
  const trendsFilter = objectField(query, 'trendsFilter');
  const compareFilter = objectField(query, 'compareFilter');
  const display = typeof trendsFilter.display === 'string' ? trendsFilter.display : 'ActionsLineGraph';
  const aggregate = AGGREGATE_DISPLAYS.includes(display);
  const range = await resolveDateRange(query.dateRange as never, interval, ctx);
  const periods: Period[] =
    compareFilter.compare === true
      ? [
          { label: 'current', range },
          { label: 'previous', range: previousRange(range, ctx.timezone, compareFilter.compare_to as string | undefined) },
        ]
      : [{ label: null, range }];
  const base = await baseWhere(query, scope);
  const breakdown = await parseBreakdown(query.breakdownFilter, scope);
  const cohorts =
    breakdown.kind === 'cohort'
      ? await Promise.all(breakdown.cohorts.map(async (id) => ({ id, sql: id === 'all' ? '1' : await cohortMembershipSql(id, scope, 'breakdownFilter.breakdown') })))
      : [{ id: null, sql: '1' }];

  const results: Series[] = [];
  let part = 0;
  for (const period of periods) {
    for (const [order, node] of series.entries()) {
      const field = `series[${order}]`;
      const hogql = node.math === 'hogql' ? await printHogQL(node.math_hogql, ctx, `${field}.math_hogql`) : undefined;
      const math = mathPlan(node, field, params, query.aggregation_group_type_index, hogql);
      const where = and([base, await seriesSql(node, scope, field)]);
      const label = await seriesLabel(node, scope);
      for (const cohort of cohorts) {
        const values = await computeSeries(
          {
            where: and([where, cohort.sql]),
            math,
            breakdown: breakdown.kind === 'value' ? breakdown : null,
            range: period.range,
            aggregate,
          },
          ctx,
          params,
          `trends-${part++}`,
        );
        for (const row of values.rows) {
          const value = breakdown.kind === 'value' ? breakdownValue(row.key, breakdown.multi) : breakdown.kind === 'cohort' ? cohort.id : undefined;
          results.push(buildSeries({ node, order, label, period, aggregate, display, data: row.values, breakdownValue: value }));
        }
      }
    }
  }
  const formula = typeof trendsFilter.formula === 'string' && trendsFilter.formula.trim() !== '' ? trendsFilter.formula : null;
  return {
    results: formula ? applyFormula(formula, results, series.length, aggregate) : results,
    timezone: ctx.timezone,
    hasMore: false,
    is_cached: false,
  };
};

function buildSeries(o: {
  node: Parameters<typeof actionEcho>[0];
  order: number;
  label: string;
  period: Period;
  aggregate: boolean;
  display: string;
  data: number[];
  breakdownValue: unknown;
}): Series {
  const { range } = o.period;
  let data = o.data;
  if (o.display === 'ActionsLineGraphCumulative') {
    let sum = 0;
    data = data.map((v) => (sum += v));
  }
  const hasBreakdown = o.breakdownValue !== undefined;
  const breakdownLabel = breakdownText(o.breakdownValue);
  const series: Series = {
    action: actionEcho(o.node, o.order, o.label),
    label: hasBreakdown ? `${o.label} - ${breakdownLabel}` : o.label,
    count: o.aggregate ? 0 : o.data.reduce((a, b) => a + b, 0),
    data: o.aggregate ? [] : data,
    labels: o.aggregate ? [] : [...range.labels],
    days: o.aggregate ? [] : [...range.days],
    order: o.order,
    filter: {},
  };
  if (o.aggregate) series.aggregated_value = o.data[0] ?? 0;
  if (hasBreakdown) series.breakdown_value = o.breakdownValue;
  if (o.period.label) {
    series.compare = true;
    series.compare_label = o.period.label;
  }
  return series;
}

function applyFormula(formula: string, results: Series[], seriesCount: number, aggregate: boolean): Series[] {
  if (seriesCount > 26) throw new BadRequestError('invalid_input', 'A formula can combine at most 26 series.', 'trendsFilter.formula');
  const evaluate = parseFormula(formula, seriesCount);
  const groups = new Map<string, Series[]>();
  for (const s of results) {
    const key = JSON.stringify([s.compare_label ?? null, s.breakdown_value ?? null]);
    const list = groups.get(key) ?? [];
    list.push(s);
    groups.set(key, list);
  }
  const out: Series[] = [];
  for (const members of groups.values()) {
    const first = members[0];
    const byOrder = (order: number) => members.find((m) => m.order === order);
    const valueAt = (pick: (s: Series) => number) => evaluate(Array.from({ length: seriesCount }, (_, k) => { const s = byOrder(k); return s ? pick(s) : 0; }));
    const data = aggregate ? [] : first.data.map((_, j) => valueAt((s) => s.data[j] ?? 0));
    const hasBreakdown = first.breakdown_value !== undefined;
    const series: Series = {
      ...first,
      action: null,
      label: hasBreakdown ? `${formula} - ${breakdownText(first.breakdown_value)}` : formula,
      data,
      count: aggregate ? 0 : data.reduce((a, b) => a + b, 0),
      order: 0,
    };
    if (aggregate) series.aggregated_value = valueAt((s) => s.aggregated_value ?? 0);
    out.push(series);
  }
  return out;
}

function breakdownText(value: unknown): string {
  const one = (v: unknown) => (v === BREAKDOWN_OTHER ? 'Other' : String(v));
  return Array.isArray(value) ? value.map(one).join('::') : one(value);
}
