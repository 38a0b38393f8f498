/**
 * ClickHouse reads DateTime64 from JSONEachRow as `YYYY-MM-DD hh:mm:ss.fff` (UTC columns);
 * we hold times as ISO 8601 strings in UTC (`Date#toISOString`).
 */
export function toClickHouseTime(iso: string): string {
  // Fast path for what Date#toISOString produces: 2026-11-23T10:00:00.123Z
  if (iso.length === 24 && iso[10] === 'T' && iso[23] === 'Z') return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a time: ${iso}`);
  const s = date.toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 23)}`;
}

/** The inverse, for rows read back from ClickHouse (`2026-11-23 10:00:00.123000` → ISO). */
export function fromClickHouseTime(value: string): string {
  const [date, time = '00:00:00'] = value.split(' ');
  const [hms, fraction = ''] = time.split('.');
  return `${date}T${hms}.${(fraction + '000').slice(0, 3)}Z`;
}
