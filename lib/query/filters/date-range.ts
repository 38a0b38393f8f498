/**
 * PostHog's DateRange (`date_from`, `date_to`, `explicitDate`) resolved in the team's time zone,
 * and the interval buckets of an insight. Relative forms: `-7d`, `-24h`, `-30M` (minutes), `-2w`,
 * `-1m`, `-1q`, `-1y`, with `Start`/`End` (`-1dStart`, `mStart`, `dStart`), `all` (from the team's
 * first event). Absolute forms: `2024-01-31`, `2024-01-31 10:00:00`, ISO 8601 with a zone.
 * Without `explicitDate`, `date_from` rounds down to the start of its day (of its hour/minute for
 * hour/minute intervals) and `date_to` up to the end of its day (hour, minute).
 */
import { BadRequestError } from '../../http/errors';
import type { QueryContext } from '../types';
import { type SqlParams, TEAM_ID, TZ } from './sql-params';
import { addWall, formatDay, formatLabel, fromWall, INTERVALS, type Interval, RELATIVE_DATE_UNITS, toWall, truncateWall, type WallUnit } from './zoned-time';

export interface DateRangeInput {
  readonly date_from?: string | null;
  readonly date_to?: string | null;
  readonly explicitDate?: boolean | null;
}

export interface ResolvedRange {
  readonly interval: Interval;
  /** First instant included. */
  readonly from: Date;
  /** First instant excluded. */
  readonly to: Date;
  /** Wall-clock starts of the buckets, the first holding `from`. */
  readonly buckets: readonly Date[];
  readonly days: readonly string[];
  readonly labels: readonly string[];
}

const RELATIVE = /^(-?\d+)?([sMhdwmqy])(Start|End)?$/;
const ABSOLUTE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
/** Beyond this many buckets a query is refused (a year of hours is 8,760). */
const MAX_BUCKETS = 10_000;

export function parseInterval(value: unknown, fallback: Interval = 'day'): Interval {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(INTERVALS as readonly string[]).includes(value)) {
    throw new BadRequestError('invalid_input', `interval must be one of ${INTERVALS.join(', ')}.`, 'interval');
  }
  return value as Interval;
}

interface ParsedDate {
  readonly wall: Date;
  /** Whether a time of day was given (absolute) — such dates are not rounded. */
  readonly hasTime: boolean;
  /** `Start`/`End` suffix of a relative date. */
  readonly edge?: { unit: WallUnit; which: 'Start' | 'End' };
}

/** One date of a DateRange as a wall time in `tz`; `field` names it in errors. */
export function parseDate(value: string, nowWall: Date, tz: string, field: string): ParsedDate {
  const rel = RELATIVE.exec(value);
  if (rel) {
    const unit = RELATIVE_DATE_UNITS[rel[2]];
    const wall = addWall(nowWall, unit, rel[1] ? Number(rel[1]) : 0);
    return { wall, hasTime: unit === 'hour' || unit === 'minute' || unit === 'second', edge: rel[3] ? { unit, which: rel[3] as 'Start' | 'End' } : undefined };
  }
  const abs = ABSOLUTE.exec(value);
  if (abs) {
    const zoned = Boolean(abs[4]);
    const text = value.length === 10 ? `${value}T00:00:00Z` : zoned ? value.replace(' ', 'T') : `${value.replace(' ', 'T')}Z`;
    const date = new Date(text);
    if (!Number.isNaN(date.getTime())) return { wall: zoned ? toWall(date, tz) : date, hasTime: Boolean(abs[1]) };
  }
  throw new BadRequestError('invalid_input', `${field}: "${value}" is not a date PostHog understands (e.g. -7d, dStart, 2024-01-31).`, field);
}

/** The earliest event of the team (for `date_from: "all"`), or now when it has none. */
async function firstEventTime(ctx: QueryContext): Promise<Date> {
  const rows = await ctx.store.query<{ t: string | null }>(
    `SELECT toString(min(timestamp)) AS t FROM events WHERE team_id = ${TEAM_ID} HAVING count() > 0`,
    { params: { team_id: ctx.teamId }, queryId: ctx.queryId && `${ctx.queryId}-all`, signal: ctx.signal },
  );
  const t = rows[0]?.t;
  return t ? new Date(`${t.replace(' ', 'T')}Z`) : ctx.now;
}

export async function resolveDateRange(
  input: DateRangeInput | null | undefined,
  interval: Interval,
  ctx: QueryContext,
  defaults: { from?: string } = {},
): Promise<ResolvedRange> {
  const tz = ctx.timezone;
  const nowWall = toWall(ctx.now, tz);
  const explicit = input?.explicitDate === true;
  const fine = interval === 'hour' || interval === 'minute';
  const rounding: WallUnit = fine ? interval : 'day';

  const fromText = input?.date_from ?? defaults.from ?? '-7d';
  let startWall: Date;
  if (fromText === 'all') {
    startWall = truncateWall(toWall(await firstEventTime(ctx), tz), rounding);
  } else {
    const parsed = parseDate(fromText, nowWall, tz, 'dateRange.date_from');
    startWall = parsed.edge ? truncateWall(parsed.wall, parsed.edge.unit as Interval) : parsed.wall;
    if (parsed.edge?.which === 'End') startWall = addWall(startWall, parsed.edge.unit, 1);
    if (!explicit) startWall = truncateWall(startWall, rounding);
  }

  let toWallEx: Date;
  if (input?.date_to) {
    const parsed = parseDate(input.date_to, nowWall, tz, 'dateRange.date_to');
    if (parsed.edge) {
      const start = truncateWall(parsed.wall, parsed.edge.unit as Interval);
      toWallEx = parsed.edge.which === 'End' ? addWall(start, parsed.edge.unit, 1) : start;
    } else if (explicit && parsed.hasTime) {
      toWallEx = new Date(parsed.wall.getTime() + 1);
    } else if (!parsed.hasTime) {
      // A bare date (or a day-relative date) ends with its day, whatever the interval.
      toWallEx = addWall(truncateWall(parsed.wall, 'day'), 'day', 1);
    } else {
      toWallEx = addWall(truncateWall(parsed.wall, rounding), rounding, 1);
    }
  } else {
    toWallEx = explicit ? new Date(nowWall.getTime() + 1) : addWall(truncateWall(nowWall, rounding), rounding, 1);
  }
  if (toWallEx.getTime() <= startWall.getTime()) {
    throw new BadRequestError('invalid_input', 'dateRange.date_to must be after dateRange.date_from.', 'dateRange');
  }

  const buckets: Date[] = [];
  for (let b = truncateWall(startWall, interval); b.getTime() < toWallEx.getTime(); b = addWall(b, interval, 1)) {
    buckets.push(b);
    if (buckets.length > MAX_BUCKETS) {
      throw new BadRequestError('invalid_input', `The date range holds more than ${MAX_BUCKETS} ${interval}s: pick a wider interval.`, 'interval');
    }
  }
  return {
    interval,
    from: fromWall(startWall, tz),
    to: fromWall(toWallEx, tz),
    buckets,
    days: buckets.map((b) => formatDay(b, interval)),
    labels: buckets.map((b) => formatLabel(b, interval)),
  };
}

/**
 * SQL for the bucket number of a time column in the team's zone, counted in `interval`s from
 * an absolute origin; subtract `bucketIndex(..., first bucket)` to number a range's buckets.
 */
export function periodNumber(interval: Interval, column: string): string {
  switch (interval) {
    case 'minute':
      return `toRelativeMinuteNum(${column}, ${TZ})`;
    case 'hour':
      return `toRelativeHourNum(${column}, ${TZ})`;
    case 'day':
      return `toRelativeDayNum(${column}, ${TZ})`;
    case 'week':
      return `intDiv(toRelativeDayNum(toStartOfWeek(${column}, 0, ${TZ})), 7)`;
    case 'month':
      return `toRelativeMonthNum(${column}, ${TZ})`;
  }
}

/** SQL for the bucket index (0 = the range's first bucket) of a time column. */
export function bucketIndex(range: ResolvedRange, column: string, params: SqlParams, tz: string): string {
  const origin = params.time(fromWall(range.buckets[0], tz));
  return `(${periodNumber(range.interval, column)} - ${periodNumber(range.interval, origin)})`;
}

/** `timestamp` within the range, as SQL. */
export function rangeCondition(range: Pick<ResolvedRange, 'from' | 'to'>, params: SqlParams, column = 'timestamp'): string {
  return `${column} >= ${params.time(range.from)} AND ${column} < ${params.time(range.to)}`;
}

/** The same range moved back by `compareTo` (`-1w`…) or, without it, by its own length. */
export function previousRange(range: ResolvedRange, tz: string, compareTo?: string | null): ResolvedRange {
  let shift: (wall: Date) => Date;
  if (compareTo) {
    const rel = RELATIVE.exec(compareTo);
    if (!rel || !rel[1] || rel[3]) throw new BadRequestError('invalid_input', `compareFilter.compare_to must look like -1w, got "${compareTo}".`, 'compareFilter.compare_to');
    const unit = RELATIVE_DATE_UNITS[rel[2]];
    const n = Number(rel[1]);
    shift = (wall) => addWall(wall, unit, n);
  } else if (range.interval === 'month') {
    const n = -range.buckets.length;
    shift = (wall) => addWall(wall, 'month', n);
  } else {
    const length = range.to.getTime() - range.from.getTime();
    shift = (wall) => new Date(wall.getTime() - length);
  }
  const fromW = shift(toWall(range.from, tz));
  const toW = shift(toWall(range.to, tz));
  const buckets = range.buckets.map((b) => truncateWall(shift(b), range.interval));
  return {
    interval: range.interval,
    from: fromWall(fromW, tz),
    to: fromWall(toW, tz),
    buckets,
    days: buckets.map((b) => formatDay(b, range.interval)),
    labels: buckets.map((b) => formatLabel(b, range.interval)),
  };
}
