/**
 * Date range bounds as HogQL ASTs: relative (`-7d`, `-24h`, `-2w`, `-1m`, `-1y`, `-3q`,
 * `dStart`, `mStart`, `yStart`, `all`) or absolute ISO dates/datetimes. Like PostHog, relative
 * day-or-longer offsets start at midnight of the project's time zone; a date-only `date_to`
 * covers that whole day.
 */
import { call, constant, type AstNode } from './ast';
import { fail } from './errors';
import { lookup } from '../lookup';

const UNITS: Record<string, string> = { h: 'toIntervalHour', d: 'toIntervalDay', w: 'toIntervalWeek', m: 'toIntervalMonth', q: 'toIntervalQuarter', y: 'toIntervalYear', M: 'toIntervalMinute' };

function absolute(text: string, timezone: string, endOfDay: boolean): AstNode {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  if (dateOnly) {
    const start = call('toDateTime', constant(`${text} 00:00:00`), constant(timezone));
    return endOfDay ? call('minus', call('plus', start, call('toIntervalDay', constant(1))), call('toIntervalSecond', constant(1))) : start;
  }
  const local = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)$/.exec(text);
  if (local) return call('toDateTime64', constant(`${local[1]} ${local[2].length === 5 ? `${local[2]}:00` : local[2]}`), constant(6), constant(timezone));
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) fail(`Invalid date: ${text}`);
  return call('fromUnixTimestamp64Milli', constant(date.getTime()), constant(timezone));
}

/** A bound as an expression, or null for "no bound" (`all`). */
export function dateBound(value: unknown, timezone: string, side: 'from' | 'to'): AstNode | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') fail('Dates must be strings.');
  const text = value.trim();
  if (text === 'all') return null;
  const now = call('now');
  const startOf: Record<string, string> = { dStart: 'toStartOfDay', mStart: 'toStartOfMonth', yStart: 'toStartOfYear', wStart: 'toStartOfWeek' };
  const start = lookup(startOf, text);
  if (start) return call('toDateTime', call(start, now), constant(timezone));
  const relative = /^-?(\d{1,5})([hdwmqyM])$/.exec(text);
  if (relative) {
    const [, n, unit] = relative;
    const shifted = call('minus', now, call(UNITS[unit], constant(Number(n))));
    if (unit === 'h' || unit === 'M') return shifted;
    return side === 'from' ? call('toDateTime', call('toStartOfDay', shifted), constant(timezone)) : shifted;
  }
  return absolute(text, timezone, side === 'to');
}
