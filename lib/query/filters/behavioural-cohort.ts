/**
 * Behavioural cohort filters (`type: 'behavioral'` inside a dynamic cohort) in insights: the
 * person performed an event or an action within a time window, computed from events when the
 * query runs (PostHog precalculates these memberships; a subquery gives the same members with no
 * job to run). `negation: true` means the person did not.
 *   performed_event             at least once in the window
 *   performed_event_multiple    a number of times, `operator` (gte, gt, lte, lt, exact) `operator_value`
 *   performed_event_first_time  for the first time ever within the window
 * The window is `time_value` `time_interval` (hour, day, week, month, year) back from now, or
 * `explicit_datetime` (-30d, -2w, -1m, -1y, -12h or a date). Sequences, "regularly" and
 * stopped/restarted performing are refused with a 400.
 */
import type { PropertyFilter } from '../../flags/types';
import { BadRequestError } from '../../http/errors';
import type { FilterScope } from './property-filters';
import { seriesSql } from './series';
import { TEAM_ID } from './sql-params';
import { addWall, RELATIVE_DATE_UNITS, type WallUnit } from './zoned-time';
import { lookup } from '../../lookup';

const COUNT_OPERATORS: Record<string, string> = { gte: '>=', gt: '>', lte: '<=', lt: '<', exact: '=', eq: '=' };
/** The `time_interval`s a behavioural filter takes. */
const TIME_INTERVALS: readonly WallUnit[] = ['hour', 'day', 'week', 'month', 'year'];

function windowStart(filter: Record<string, unknown>, now: Date, field: string): Date {
  const explicit = filter.explicit_datetime;
  if (typeof explicit === 'string' && explicit !== '') {
    const relative = /^-(\d+)([hdwmy])$/.exec(explicit);
    if (relative) return addWall(now, RELATIVE_DATE_UNITS[relative[2]], -Number(relative[1]));
    const date = new Date(explicit);
    if (Number.isNaN(date.getTime())) throw new BadRequestError('invalid_input', `${field}.explicit_datetime must be like -30d or a date.`, `${field}.explicit_datetime`);
    return date;
  }
  const value = Number(filter.time_value);
  const unit = String(filter.time_interval ?? '') as WallUnit;
  if (!Number.isInteger(value) || value < 0 || !TIME_INTERVALS.includes(unit)) {
    throw new BadRequestError('invalid_input', `${field} needs time_value (a whole number) and time_interval (hour, day, week, month, year).`, `${field}.time_interval`);
  }
  return addWall(now, unit, -value);
}

async function eventSql(filter: Record<string, unknown>, scope: FilterScope, field: string): Promise<string> {
  if (filter.event_type === 'actions') {
    const id = Number(filter.key);
    if (!Number.isInteger(id)) throw new BadRequestError('invalid_input', `${field}.key must be an action id.`, `${field}.key`);
    return seriesSql({ kind: 'ActionsNode', id }, scope, field);
  }
  if (filter.event_type !== undefined && filter.event_type !== 'events') {
    throw new BadRequestError('invalid_input', `${field}.event_type must be events or actions.`, `${field}.event_type`);
  }
  if (typeof filter.key !== 'string' || filter.key === '') throw new BadRequestError('invalid_input', `${field}.key must be an event name.`, `${field}.key`);
  return `event = ${scope.params.str(filter.key)}`;
}

/** SQL true for events whose person (as the event saw it) matches the behavioural filter. */
export async function behaviouralFilterSql(filter: PropertyFilter, scope: FilterScope, field: string): Promise<string> {
  const f = filter as unknown as Record<string, unknown>;
  const kind = String(f.value);
  const inner: FilterScope = { ...scope, prefix: '' };
  const event = await eventSql(f, inner, field);
  const since = scope.params.time(windowStart(f, scope.ctx.now, field));
  const now = scope.params.time(scope.ctx.now);
  let where: string;
  let having: string;
  switch (kind) {
    case 'performed_event':
      where = `timestamp >= ${since} AND timestamp <= ${now}`;
      having = '1';
      break;
    case 'performed_event_multiple': {
      const op = lookup(COUNT_OPERATORS, String(f.operator ?? 'gte'));
      const times = Number(f.operator_value);
      if (!op || !Number.isInteger(times) || times < 0) {
        throw new BadRequestError('invalid_input', `${field} needs operator (gte, gt, lte, lt, exact) and operator_value (a whole number).`, `${field}.operator_value`);
      }
      where = `timestamp >= ${since} AND timestamp <= ${now}`;
      having = `count() ${op} ${times}`;
      break;
    }
    case 'performed_event_first_time':
      where = `timestamp <= ${now}`;
      having = `min(timestamp) >= ${since}`;
      break;
    default:
      throw new BadRequestError('unsupported', `${field}: behavioural filters "${kind}" are not supported in insights (performed_event, performed_event_multiple, performed_event_first_time are).`, `${field}.value`);
  }
  const persons = `SELECT person_id FROM events WHERE team_id = ${TEAM_ID} AND (${event}) AND ${where} GROUP BY person_id HAVING ${having}`;
  const member = `${scope.prefix ?? ''}person_id IN (${persons})`;
  return f.negation === true ? `NOT (${member})` : member;
}
