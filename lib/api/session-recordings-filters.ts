import { BadRequestError } from '../http/errors';
import type { HttpRequest } from '../http/types';
import type { AnalyticsStore } from '../ports/analytics-store';
import { addWall, RELATIVE_DATE_UNITS } from '../query/filters/zoned-time';
import { COMPARISONS, RECORDING_METRICS, type Comparison, type MetricPredicate, type RecordingFilters, type RecordingMetric } from '../replay/recording-queries';
import { intParam } from './request';

/**
 * The list's query parameters (PostHog's RecordingsQuery as query params):
 *
 *  - `date_from` (default `-3d`, as PostHog), `date_to`: ISO 8601 or relative `-<n><unit>`
 *    (unit M minutes, h, d, w, m months, y);
 *  - `person_uuid`, `distinct_id`, `distinct_ids` (JSON list), `session_ids` (JSON list);
 *  - duration and counters: `duration_min` / `duration_max` (seconds), or PostHog's
 *    `having_predicates` / `properties` (JSON lists of `{"type":"recording","key":"duration",
 *    "operator":"gt","value":60}`; keys: duration, active_seconds, inactive_seconds, click_count,
 *    keypress_count, mouse_activity_count, console_{log,warn,error}_count; operators gt, gte, lt,
 *    lte, exact); entries of other types are refused;
 *  - `events` (JSON list like `[{"id":"$pageview","type":"events"}]`) with `operand` AND (default)
 *    or OR: sessions in which those events (with that `$session_id`) occurred; event property
 *    filters and `actions` are not supported (400);
 *  - `limit` (default 50, ≤ 1000), `offset`.
 *
 * Undefined when the filters cannot match anything (a person without distinct ids).
 */
export async function recordingFiltersOf(req: HttpRequest, store: AnalyticsStore, teamId: number, now: Date): Promise<RecordingFilters | undefined> {
  const q = req.query;
  const dateFrom = dateOf(q.get('date_from') ?? '-3d', 'date_from', now);
  const dateTo = q.get('date_to') ? dateOf(q.get('date_to') as string, 'date_to', now) : undefined;

  let distinctIds: string[] | undefined;
  const personUuid = q.get('person_uuid');
  if (personUuid) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(personUuid)) throw new BadRequestError('invalid_input', 'person_uuid must be a UUID.', 'person_uuid');
    distinctIds = await distinctIdsOfPerson(store, teamId, personUuid);
    if (distinctIds.length === 0) return undefined;
  }
  const single = q.get('distinct_id');
  const many = jsonList(q.get('distinct_ids'), 'distinct_ids');
  if (single || many) {
    const given = [...(single ? [single] : []), ...stringsOf(many ?? [], 'distinct_ids')];
    distinctIds = distinctIds ? distinctIds.filter((d) => given.includes(d)) : given;
    if (distinctIds.length === 0) return undefined;
  }
  const sessionIds = q.get('session_ids') ? stringsOf(jsonList(q.get('session_ids'), 'session_ids') ?? [], 'session_ids') : undefined;

  const predicates: MetricPredicate[] = [];
  const min = q.get('duration_min');
  const max = q.get('duration_max');
  if (min) predicates.push({ metric: 'duration', comparison: 'gte', value: numberOf(min, 'duration_min') });
  if (max) predicates.push({ metric: 'duration', comparison: 'lte', value: numberOf(max, 'duration_max') });
  for (const name of ['having_predicates', 'properties']) predicates.push(...predicatesOf(jsonList(q.get(name), name) ?? [], name));

  let events: RecordingFilters['events'];
  const eventFilters = jsonList(q.get('events'), 'events');
  if (eventFilters && eventFilters.length > 0) {
    const names = eventFilters.map((e, i) => {
      const f = e as Record<string, unknown> | null;
      const name = f?.id ?? f?.name;
      if (typeof name !== 'string' || name === '' || (f?.type !== undefined && f.type !== 'events')) throw new BadRequestError('invalid_input', 'Each event filter needs an event name in "id" (only type "events").', `events.${i}`);
      if (Array.isArray(f?.properties) && f.properties.length > 0) throw new BadRequestError('invalid_input', 'Event property filters are not supported.', `events.${i}.properties`);
      return name;
    });
    const operand = (q.get('operand') ?? 'AND').toUpperCase();
    if (operand !== 'AND' && operand !== 'OR') throw new BadRequestError('invalid_input', 'operand must be AND or OR.', 'operand');
    events = { names, operand };
  }
  if ((jsonList(q.get('actions'), 'actions') ?? []).length > 0) throw new BadRequestError('invalid_input', 'Action filters are not supported.', 'actions');

  return {
    dateFrom,
    dateTo,
    distinctIds,
    sessionIds,
    predicates,
    events,
    limit: intParam(req, 'limit', 50, 1, 1000),
    offset: intParam(req, 'offset', 0, 0, 10_000_000),
    now,
  };
}

const RELATIVE = /^-(\d{1,6})([Mhdwmy])$/;

/** ISO 8601, or PostHog's relative `-3d` style. */
export function dateOf(value: string, name: string, now: Date): Date {
  const rel = RELATIVE.exec(value.trim());
  if (rel) return addWall(now, RELATIVE_DATE_UNITS[rel[2]], -Number(rel[1]));
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new BadRequestError('invalid_input', `${name} must be an ISO 8601 date or a relative date like -3d.`, name);
  return date;
}

function jsonList(value: string | null, name: string): unknown[] | undefined {
  if (value === null || value === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new BadRequestError('invalid_input', `${name} must be a JSON list.`, name);
  }
  if (!Array.isArray(parsed)) throw new BadRequestError('invalid_input', `${name} must be a JSON list.`, name);
  return parsed;
}

function stringsOf(list: unknown[], name: string): string[] {
  if (!list.every((v) => typeof v === 'string')) throw new BadRequestError('invalid_input', `${name} must be a list of strings.`, name);
  return list as string[];
}

function numberOf(value: unknown, name: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new BadRequestError('invalid_input', `${name} must be a number.`, name);
  return n;
}

function predicatesOf(list: unknown[], name: string): MetricPredicate[] {
  return list.map((entry, i) => {
    const p = entry as Record<string, unknown> | null;
    const attr = `${name}.${i}`;
    if (!p || typeof p !== 'object' || p.type !== 'recording') throw new BadRequestError('invalid_input', 'Only recording filters (type "recording") are supported.', attr);
    if (typeof p.key !== 'string' || !Object.hasOwn(RECORDING_METRICS, p.key)) throw new BadRequestError('invalid_input', `Unsupported recording filter key; use one of ${Object.keys(RECORDING_METRICS).join(', ')}.`, attr);
    const operator = (p.operator ?? 'exact') as string;
    if (!Object.hasOwn(COMPARISONS, operator)) throw new BadRequestError('invalid_input', `Unsupported operator; use one of ${Object.keys(COMPARISONS).join(', ')}.`, attr);
    return { metric: p.key as RecordingMetric, comparison: operator as Comparison, value: numberOf(Array.isArray(p.value) ? p.value[0] : p.value, attr) };
  });
}

/** The distinct ids a person currently owns (ClickHouse's current mapping). */
async function distinctIdsOfPerson(store: AnalyticsStore, teamId: number, personUuid: string): Promise<string[]> {
  const rows = await store.query<{ distinct_id: string }>(
    `SELECT distinct_id FROM person_distinct_id2 WHERE team_id = {team:Int64}
      GROUP BY distinct_id HAVING argMax(person_id, version) = {person:UUID} AND argMax(is_deleted, version) = 0`,
    { params: { team: teamId, person: personUuid.toLowerCase() } },
  );
  return rows.map((r) => r.distinct_id);
}
