/**
 * One trends series over one period as numbers: bucket index × breakdown value → value. A
 * single GROUP BY pass when the math's results can be merged into "other" afterwards; otherwise
 * the top breakdown values are chosen in a subquery of the same pass.
 */
import { BREAKDOWN_OTHER } from '../filters/breakdown';
import { bucketIndex, rangeCondition, type ResolvedRange } from '../filters/date-range';
import { and } from '../filters/property-filters';
import type { SqlParams } from '../filters/sql-params';
import { fromWall, addWall } from '../filters/zoned-time';
import type { QueryContext } from '../types';
import { runSql } from './run-sql';
import type { MathPlan } from './trends-math';

export interface SeriesValues {
  /** Breakdown values (or '' without breakdown) in display order, each with one value per bucket. */
  readonly rows: readonly { readonly key: string; readonly values: number[] }[];
}

export interface SeriesSpec {
  readonly where: string;
  readonly math: MathPlan;
  /** String SQL of the breakdown value, or null. */
  readonly breakdown: { readonly sql: string; readonly limit: number; readonly hideOther: boolean } | null;
  readonly range: ResolvedRange;
  /** One value for the whole range (BoldNumber, pie, table...). */
  readonly aggregate: boolean;
}

export async function computeSeries(spec: SeriesSpec, ctx: QueryContext, params: SqlParams, part: string): Promise<SeriesValues> {
  const { math, range, aggregate } = spec;
  const size = aggregate ? 1 : range.buckets.length;
  let from = 'events';
  let where = and([spec.where, math.where, rangeCondition(range, params)]);
  let bucket = aggregate ? '0' : bucketIndex(range, 'timestamp', params, ctx.timezone);
  let bv = spec.breakdown?.sql ?? "''";
  let arrayJoin = '';
  let agg = math.agg;
  if (math.activeWindowDays) {
    // Each bucket counts the actors seen in the N days ending where the bucket ends.
    const ends = aggregate ? [range.to] : range.buckets.map((b) => fromWall(addWall(b, range.interval, 1), ctx.timezone));
    const clipped = ends.map((e) => new Date(Math.min(e.getTime(), range.to.getTime())));
    const starts = clipped.map((e) => new Date(e.getTime() - math.activeWindowDays! * 86_400_000));
    const seconds = (ds: Date[]) => params.add(ds.map((d) => Math.floor(d.getTime() / 1000)), 'Array(Int64)');
    const inner = and([spec.where, math.where, rangeCondition({ from: starts.reduce((a, b) => (a < b ? a : b)), to: range.to }, params)]);
    from = `(SELECT ${math.actor} AS actor_id, ${bv} AS bv, toUnixTimestamp(toStartOfFifteenMinutes(timestamp)) AS t FROM events WHERE ${inner} GROUP BY actor_id, bv, t)`;
    const ws = seconds(starts);
    const we = seconds(clipped);
    arrayJoin = `ARRAY JOIN arrayFilter(j -> t >= ${ws}[j + 1] AND t < ${we}[j + 1], range(${size})) AS i`;
    bucket = 'i';
    bv = 'bv';
    where = '1';
    agg = 'toFloat64(uniqExact(actor_id))';
  }
  const ranked = spec.breakdown && math.combine === null;
  const bvOut = ranked
    ? `if(${bv} IN (SELECT ${bv} AS b0 FROM ${from} WHERE ${where} GROUP BY b0 ORDER BY ${math.activeWindowDays ? 'uniqExact(actor_id)' : agg} DESC, b0 LIMIT ${spec.breakdown!.limit}), ${bv}, ${params.str(BREAKDOWN_OTHER)})`
    : bv;
  const sql = `SELECT ${bucket} AS i, ${bvOut} AS b, ${agg} AS v FROM ${from} ${arrayJoin} WHERE ${where} GROUP BY i, b`;
  const rows = await runSql<{ i: number | string; b: string; v: number }>(ctx, sql, params, part);

  const byKey = new Map<string, number[]>();
  for (const row of rows) {
    const i = Number(row.i);
    if (i < 0 || i >= size) continue;
    let values = byKey.get(row.b);
    if (!values) byKey.set(row.b, (values = new Array<number>(size).fill(Number.NaN)));
    values[i] = Number(row.v);
  }
  const fill = (values: number[]) => values.map((v) => (Number.isNaN(v) ? 0 : v));
  if (!spec.breakdown) return { rows: [{ key: '', values: fill(byKey.get("") ?? new Array<number>(size).fill(Number.NaN)) }] };

  const total = (values: number[]) => combineAll(values.filter((v) => !Number.isNaN(v)), math.combine ?? 'sum');
  let entries = [...byKey.entries()];
  let other: number[] | undefined;
  if (ranked) {
    other = byKey.get(BREAKDOWN_OTHER);
    entries = entries.filter(([k]) => k !== BREAKDOWN_OTHER);
  }
  entries.sort((a, b) => total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (!ranked && entries.length > spec.breakdown.limit) {
    const rest = entries.slice(spec.breakdown.limit);
    entries = entries.slice(0, spec.breakdown.limit);
    other = new Array<number>(size).fill(Number.NaN);
    for (const [, values] of rest) {
      values.forEach((v, i) => {
        if (!Number.isNaN(v)) other![i] = Number.isNaN(other![i]) ? v : combineAll([other![i], v], math.combine!);
      });
    }
  }
  const result = entries.map(([key, values]) => ({ key, values: fill(values) }));
  if (other && !spec.breakdown.hideOther) result.push({ key: BREAKDOWN_OTHER, values: fill(other) });
  return { rows: result };
}

function combineAll(values: number[], how: 'sum' | 'min' | 'max'): number {
  if (values.length === 0) return 0;
  if (how === 'sum') return values.reduce((a, b) => a + b, 0);
  return how === 'min' ? Math.min(...values) : Math.max(...values);
}
