/**
 * Epoch ms → ISO 8601 (`YYYY-MM-DDThh:mm:ss.sssZ`), like `Date.prototype.toISOString` but several
 * times faster on the hot path: the `YYYY-MM-DDThh:` prefix is cached per hour (a batch's events
 * share it), the rest comes from lookup tables.
 */
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const TWO = Array.from({ length: 60 }, (_, i) => pad(i, 2));
const THREE = Array.from({ length: 1000 }, (_, i) => pad(i, 3));
const HOUR_MS = 3_600_000;
/** 9999-12-31T23:59:59.999Z: past it toISOString's format changes (`+010000-…`). */
const MAX_FOUR_DIGIT_YEAR_MS = Date.UTC(10000, 0, 1);

let cachedHour = Number.NaN;
let cachedPrefix = '';

export function toIsoString(ms: number): string {
  if (!(ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const withinHour = ms % HOUR_MS;
  const hour = ms - withinHour;
  if (hour !== cachedHour) {
    cachedPrefix = new Date(hour).toISOString().slice(0, 14);
    cachedHour = hour;
  }
  const minute = Math.floor(withinHour / 60_000);
  const second = Math.floor(withinHour / 1000) % 60;
  return `${cachedPrefix}${TWO[minute]}:${TWO[second]}.${THREE[withinHour % 1000]}Z`;
}
