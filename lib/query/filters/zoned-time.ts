/**
 * Wall-clock arithmetic in a team's time zone without a date library. A "wall" time is a Date
 * whose UTC fields hold the local wall-clock reading (2024-01-01 00:00 in Paris is the Date
 * 2024-01-01T00:00:00Z); `fromWall` turns one back into the real instant.
 */
export const INTERVALS = ['minute', 'hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether `tz` is an IANA zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

export function toWall(instant: Date, tz: string): Date {
  if (tz === 'UTC') return new Date(instant.getTime());
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return new Date(Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second, instant.getUTCMilliseconds()));
}

export function fromWall(wall: Date, tz: string): Date {
  if (tz === 'UTC') return new Date(wall.getTime());
  let guess = wall.getTime();
  for (let i = 0; i < 3; i++) {
    const offset = toWall(new Date(guess), tz).getTime() - guess;
    const next = wall.getTime() - offset;
    if (next === guess) break;
    guess = next;
  }
  return new Date(guess);
}

/** The start of the interval (weeks start on Sunday, PostHog's default) holding a wall time. */
export function truncateWall(wall: Date, unit: Interval | 'year' | 'quarter' | 'second'): Date {
  const d = new Date(wall.getTime());
  switch (unit) {
    case 'year':
      return new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
    case 'quarter':
      return new Date(Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1));
    case 'month':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    case 'week':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - d.getUTCDay()));
    case 'day':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    case 'hour':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()));
    case 'minute':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()));
    case 'second':
      return new Date(Math.floor(d.getTime() / 1000) * 1000);
  }
}

export type WallUnit = Interval | 'year' | 'quarter' | 'second';

/** The unit letters of PostHog's relative dates (`-7d`, `-3M`, `mStart`); each parser's pattern says which it takes. */
export const RELATIVE_DATE_UNITS: Readonly<Record<string, WallUnit>> = { s: 'second', M: 'minute', h: 'hour', d: 'day', w: 'week', m: 'month', q: 'quarter', y: 'year' };

export function addWall(wall: Date, unit: WallUnit, n: number): Date {
  const d = wall;
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth();
  const day = d.getUTCDate();
  const rest = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()] as const;
  switch (unit) {
    case 'year':
      return new Date(Date.UTC(y + n, mo, Math.min(day, daysIn(y + n, mo)), ...rest));
    case 'quarter':
      return addWall(wall, 'month', 3 * n);
    case 'month': {
      const target = new Date(Date.UTC(y, mo + n, 1));
      return new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(day, daysIn(target.getUTCFullYear(), target.getUTCMonth())), ...rest));
    }
    case 'week':
      return new Date(d.getTime() + n * 7 * 86_400_000);
    case 'day':
      return new Date(d.getTime() + n * 86_400_000);
    case 'hour':
      return new Date(d.getTime() + n * 3_600_000);
    case 'minute':
      return new Date(d.getTime() + n * 60_000);
    case 'second':
      return new Date(d.getTime() + n * 1000);
  }
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `2024-01-31` or, for minute/hour buckets, `2024-01-31 13:00:00`. */
export function formatDay(wall: Date, interval: Interval): string {
  const date = `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}`;
  return interval === 'hour' || interval === 'minute' ? `${date} ${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:00` : date;
}

/** PostHog's chart labels: `1-Jan-2024`, `1-Jan-2024 13:00` (hour, minute), `Jan 2024` (month). */
export function formatLabel(wall: Date, interval: Interval): string {
  const date = `${wall.getUTCDate()}-${MONTHS[wall.getUTCMonth()]}-${wall.getUTCFullYear()}`;
  if (interval === 'hour' || interval === 'minute') return `${date} ${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}`;
  if (interval === 'month') return `${MONTHS[wall.getUTCMonth()]} ${wall.getUTCFullYear()}`;
  return date;
}

/** An ISO 8601 string of a wall time with the zone's offset (`2024-01-01T00:00:00+01:00`). */
export function isoWithOffset(wall: Date, tz: string): string {
  const instant = fromWall(wall, tz);
  const offsetMinutes = Math.round((wall.getTime() - instant.getTime()) / 60_000);
  const base = `${formatDay(wall, 'hour').replace(' ', 'T').slice(0, 16)}:${pad(wall.getUTCSeconds())}`;
  if (offsetMinutes === 0) return `${base}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
