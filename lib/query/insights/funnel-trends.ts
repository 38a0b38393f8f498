/**
 * funnelVizType "trends": per interval, the % of the actors whose funnel started then (step 0)
 * who got from funnelFromStep to funnelToStep (default: first to last). Each actor counts once,
 * in the interval its counted funnel started; rates are rounded to 2 decimals, as PostHog's are.
 * With a breakdown, one series per breakdown value with its `breakdown_value`, sorted by it as
 * PostHog sorts them:
 * - a property: the `breakdown_limit` values most actors entered the funnel with (ties by value),
 *   each as a list (["Chrome"]) like the steps' breakdowns; PostHog's funnel trends have no
 *   "other" series, so actors with the remaining values are left out;
 * - cohorts: one series per cohort with actors, its `breakdown_value` the cohort's name
 *   ("all users" for all), as PostHog shows it.
 */
import { breakdownValue } from '../filters/breakdown';
import { bucketIndex } from '../filters/date-range';
import type { QueryContext } from '../types';
import { perActorSql } from './funnel-sql';
import type { ParsedFunnel } from './funnels';
import { runSql } from './run-sql';

interface TrendRow {
  readonly i: number | string;
  readonly b: string;
  readonly entered: number | string;
  readonly reached: number | string;
}

export async function conversionTrend(funnel: ParsedFunnel, steps: { from: number; to: number }, ctx: QueryContext): Promise<Record<string, unknown>[]> {
  const { params, range } = funnel;
  const entered = `countIf(level >= ${steps.from + 1})`;
  const broken = funnel.cohorts !== null || funnel.spec.breakdown !== null;
  const i = bucketIndex(range, 'fromUnixTimestamp64Milli(times[1])', params, ctx.timezone);
  const top =
    funnel.spec.breakdown && funnel.breakdownLimit
      ? ` WHERE b IN (SELECT b FROM per_actor GROUP BY b ORDER BY ${entered} DESC, b LIMIT ${funnel.breakdownLimit})`
      : '';
  const rows = await runSql<TrendRow>(
    ctx,
    `WITH per_actor AS (${perActorSql(funnel.spec)}) SELECT ${i} AS i, ${broken ? 'b' : "''"} AS b, ${entered} AS entered, countIf(level >= ${steps.to + 1}) AS reached FROM per_actor${top} GROUP BY i, b`,
    params,
    'funnel-trends',
  );
  const empty = () => new Array<number>(range.buckets.length).fill(0);
  const byKey = new Map<string, number[]>(broken ? [] : [['', empty()]]);
  for (const row of rows) {
    const data = byKey.get(row.b) ?? empty();
    byKey.set(row.b, data);
    const k = Number(row.i);
    if (k >= 0 && k < data.length && Number(row.entered) > 0) data[k] = Math.round((10_000 * Number(row.reached)) / Number(row.entered)) / 100;
  }
  const series = [...byKey.entries()].map(([key, data]) => {
    const one: Record<string, unknown> = { count: data.length, data, days: [...range.days], labels: [...range.labels] };
    if (broken) one.breakdown_value = trendBreakdownValue(funnel, key);
    return one;
  });
  return broken ? series.sort((a, b) => compareValues(a.breakdown_value, b.breakdown_value)) : series;
}

function trendBreakdownValue(funnel: ParsedFunnel, key: string): string | string[] {
  const cohort = funnel.cohorts?.find((c) => c.key === key);
  if (cohort) return cohort.name;
  const value = breakdownValue(key, funnel.breakdownMulti);
  return Array.isArray(value) ? value : [value];
}

/** Strings, or lists of strings element by element (as Python orders them). */
function compareValues(a: unknown, b: unknown): number {
  const x = Array.isArray(a) ? a.map(String) : [String(a)];
  const y = Array.isArray(b) ? b.map(String) : [String(b)];
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    if (x[k] !== y[k]) return x[k] < y[k] ? -1 : 1;
  }
  return x.length - y.length;
}
