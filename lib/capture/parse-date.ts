/**
 * Date text → epoch milliseconds, for the formats PostHog's capture accepts (contract §1.4):
 * ISO 8601 / RFC 3339 with any offset, `YYYY-MM-DD`, `YYYY-MM-DD hh:mm:ss`, `…T…` without a zone
 * (UTC), RFC 2822, slash dates (`YYYY/MM/DD`, `MM/DD/YYYY`) and numeric epoch s/ms/µs/ns strings.
 * Times without a zone are UTC. Precision is milliseconds (extra fraction digits are cut).
 */

const DIGIT0 = 48;

/** Two/four digits at `at`, or -1. */
function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - DIGIT0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Epoch ms of a UTC civil time, or undefined when a field is out of range. */
export function utcMillis(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1] || (month === 2 && day === 29 && !isLeap(year))) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999
  return date.getTime();
}

/** Milliseconds from the fraction digits at `at` (any count), and where they end. */
function fraction(text: string, at: number): { ms: number; end: number } {
  let ms = 0;
  let scale = 100;
  let i = at;
  for (; i < text.length; i++) {
    const d = text.charCodeAt(i) - DIGIT0;
    if (d < 0 || d > 9) break;
    ms += d * scale;
    scale /= 10;
  }
  return { ms: Math.floor(ms), end: i };
}

/**
 * The hot path: `YYYY-MM-DDThh:mm:ss[.f…]Z`, what every current SDK sends, without a regex.
 * Undefined when the text has another form.
 */
function parseIsoUtcFast(text: string): number | undefined {
  const n = text.length;
  if (n < 20 || text.charCodeAt(n - 1) !== 90 /* Z */ || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  if (text.charCodeAt(10) !== 84 /* T */ || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let ms = 0;
  if (n > 20) {
    if (text.charCodeAt(19) !== 46 /* . */) return undefined;
    const f = fraction(text, 20);
    if (f.end !== n - 1 || f.end === 20) return undefined;
    ms = f.ms;
  }
  return utcMillis(year, month, day, hour, minute, second, ms);
}

const ZONE = String.raw`(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)`;
const ISO = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*${ZONE}?$`);
const YMD_SLASH = new RegExp(String.raw`^(\d{4})/(\d{1,2})/(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*${ZONE}?$`);
const MDY_SLASH = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*${ZONE}?$`);
const RFC2822 = /^(?:[A-Za-z]{3},?\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,3})?$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const NAMED_ZONES: Readonly<Record<string, number>> = {
  z: 0, ut: 0, utc: 0, gmt: 0, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
};

/** Zone text → minutes east of UTC; undefined when unknown. */
function zoneMinutes(zone: string | undefined): number | undefined {
  if (!zone) return 0;
  const named = NAMED_ZONES[zone.toLowerCase()];
  if (named !== undefined) return named;
  if (zone[0] !== '+' && zone[0] !== '-') return undefined;
  const body = zone.slice(1).replace(':', '');
  const hours = Number(body.slice(0, 2));
  const minutes = body.length > 2 ? Number(body.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function fromParts(year: number, month: number, day: number, m: RegExpExecArray, timeAt: number): number | undefined {
  const hour = m[timeAt] === undefined ? 0 : Number(m[timeAt]);
  const minute = m[timeAt + 1] === undefined ? 0 : Number(m[timeAt + 1]);
  const second = m[timeAt + 2] === undefined ? 0 : Number(m[timeAt + 2]);
  const ms = m[timeAt + 3] === undefined ? 0 : fraction(m[timeAt + 3], 0).ms;
  const zone = zoneMinutes(m[timeAt + 4]);
  const local = utcMillis(year, month, day, hour, minute, second, ms);
  return local === undefined || zone === undefined ? undefined : local - zone * 60_000;
}

function parseEpoch(text: string): number | undefined {
  if (!/^\d+(?:\.\d+)?$/.test(text)) return undefined;
  const dot = text.indexOf('.');
  const whole = dot === -1 ? text : text.slice(0, dot);
  const value = Number(text);
  switch (whole.length) {
    case 10:
      return Math.floor(value * 1000);
    case 13:
      return dot === -1 ? value : undefined;
    case 16:
      return dot === -1 ? Math.floor(value / 1000) : undefined;
    case 19:
      return dot === -1 ? Math.floor(value / 1e6) : undefined;
    default:
      return undefined;
  }
}

/** Any accepted date text → epoch ms, or undefined. */
export function parseDate(input: string): number | undefined {
  const fast = parseIsoUtcFast(input);
  if (fast !== undefined) return fast;
  const text = input.trim();
  let m = ISO.exec(text);
  if (m) return fromParts(Number(m[1]), Number(m[2]), Number(m[3]), m, 4);
  if ((m = YMD_SLASH.exec(text))) return fromParts(Number(m[1]), Number(m[2]), Number(m[3]), m, 4);
  if ((m = MDY_SLASH.exec(text))) {
    const year = m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    return fromParts(year, Number(m[1]), Number(m[2]), m, 4);
  }
  if ((m = RFC2822.exec(text))) {
    const month = MONTHS.indexOf(m[2].toLowerCase()) + 1;
    const zone = zoneMinutes(m[7]);
    const local = month === 0 ? undefined : utcMillis(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
    return local === undefined || zone === undefined ? undefined : local - zone * 60_000;
  }
  return parseEpoch(text);
}

/** RFC 3339 only (a zone is required), as for the envelope's `sent_at`. */
export function parseRfc3339(input: string): number | undefined {
  const fast = parseIsoUtcFast(input);
  if (fast !== undefined) return fast;
  const m = ISO.exec(input);
  if (!m || m[4] === undefined || m[6] === undefined || m[8] === undefined) return undefined;
  return fromParts(Number(m[1]), Number(m[2]), Number(m[3]), m, 4);
}
