/**
 * Dates for `is_date_before` / `is_date_after` / `is_date_exact` (contract §3.6): relative filter
 * values `-Nh|d|w|m|y` (N < 10000, sign ignored, months and years stepped one at a time with day
 * clamping like the flags service), absolute dates and datetimes (UTC when no zone is given),
 * and for property values also epoch seconds (numbers or numeric strings).
 */

const RELATIVE = /^-?(\d+)([hdwmy])$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function lastDayOfMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** "now minus N units", or undefined when `value` is not a relative date. */
export function parseRelativeDate(value: string, now: Date): Date | undefined {
  const m = RELATIVE.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n >= 10_000) return undefined;
  const d = new Date(now.getTime());
  switch (m[2]) {
    case 'h': d.setTime(d.getTime() - n * 3_600_000); return d;
    case 'd': d.setTime(d.getTime() - n * 86_400_000); return d;
    case 'w': d.setTime(d.getTime() - n * 7 * 86_400_000); return d;
    case 'm': {
      let year = d.getUTCFullYear();
      let month = d.getUTCMonth();
      let day = d.getUTCDate();
      for (let k = 0; k < n; k++) {
        month -= 1;
        if (month < 0) { month = 11; year -= 1; }
        day = Math.min(day, lastDayOfMonth(year, month));
      }
      d.setUTCFullYear(year, month, day);
      return d;
    }
    default: {
      // Stepping back one year from Feb 29 always lands on a common year, so the clamp sticks.
      const month = d.getUTCMonth();
      const day = n > 0 && month === 1 && d.getUTCDate() === 29 ? 28 : d.getUTCDate();
      d.setUTCFullYear(d.getUTCFullYear() - n, month, day);
      return d;
    }
  }
}

/** An absolute date or datetime; naive values are UTC. Undefined when unparseable. */
export function parseAbsoluteDate(value: string): Date | undefined {
  const m = ISO.exec(value.trim());
  if (!m) {
    if (!/[a-z]/i.test(value)) return undefined;
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : new Date(t);
  }
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (month < 1 || month > 12 || day < 1 || day > lastDayOfMonth(year, month - 1) || hour > 23 || minute > 59 || second > 59) return undefined;
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const offset = (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60_000;
    t -= z[1] === '+' ? offset : -offset;
  }
  return new Date(t);
}

/** A filter value: relative first, then absolute. Only strings are dates. */
export function parseFilterDate(value: unknown, now: Date): Date | undefined {
  if (typeof value !== 'string') return undefined;
  return parseRelativeDate(value, now) ?? parseAbsoluteDate(value);
}

/** A property value: epoch seconds (number or numeric string) or an absolute date string. */
export function parsePropertyDate(value: unknown, now: Date): Date | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? new Date(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  if (FLOAT.test(value)) {
    const seconds = Number(value);
    return Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined;
  }
  return parseRelativeDate(value, now) ?? parseAbsoluteDate(value);
}
