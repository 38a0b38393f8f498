/**
 * Session properties on events. Filters (`type: 'session'`): the event's `$session_id` is one of
 * the team's sessions whose property matches. Breakdowns: the event's session's value, looked up
 * in the team's sessions. Sessions are computed from events (lib/clickhouse/sessions.ts), so
 * both are subqueries, not joins.
 */
import { isSessionProperty, SESSION_PROPERTIES, sessionsSubquery } from '../../clickhouse/sessions';
import type { PropertyFilter } from '../../flags/types';
import { BadRequestError } from '../../http/errors';
import { operatorSql, type DateValueResolver } from './operators';
import type { FilterScope } from './property-filters';
import { TEAM_ID } from './sql-params';

/** 400 naming `attr` unless `key` is a session property. */
function checkKey(key: string, attr: string): void {
  if (key !== '$session_id' && !isSessionProperty(key)) {
    throw new BadRequestError('invalid_input', `${attr} "${key}" is not a session property (${['$session_id', ...Object.keys(SESSION_PROPERTIES)].join(', ')}).`, attr);
  }
}

/** A session property as text, like every other property: the operators compare strings, and numbers via toFloat64OrNull. */
const asText = (key: string) => (SESSION_PROPERTIES[key].type === 'String' ? `\`${key}\`` : `toNullable(toString(\`${key}\`))`);

/**
 * The event's session's value of a property (Nullable(String)), for breakdowns: `transform` over
 * the team's sessions as two constant arrays (a scalar subquery, computed once per query).
 */
export function sessionPropertyValueSql(key: string, scope: FilterScope, attr: string): string {
  const sessionId = `${scope.prefix ?? ''}\`$session_id\``;
  checkKey(key, attr);
  if (key === '$session_id') return `toNullable(nullIf(${sessionId}, ''))`;
  const pairs = `(SELECT (groupArray(session_id), groupArray(value)) FROM (SELECT session_id, ${asText(key)} AS value FROM (${sessionsSubquery(TEAM_ID, [key])})))`;
  return `transform(${sessionId}, tupleElement(${pairs}, 1), tupleElement(${pairs}, 2), CAST(NULL, 'Nullable(String)'))`;
}

export function sessionFilterSql(filter: PropertyFilter, scope: FilterScope, field: string, resolveDate: DateValueResolver): string {
  const sessionId = `${scope.prefix ?? ''}\`$session_id\``;
  const key = filter.key;
  checkKey(key, `${field}.key`);
  if (key === '$session_id') return operatorSql(`toNullable(${sessionId})`, filter, scope.params, field, resolveDate);
  const matches = operatorSql(asText(key), filter, scope.params, field, resolveDate);
  return `${sessionId} IN (SELECT session_id FROM (${sessionsSubquery(TEAM_ID, [key])}) WHERE ${matches})`;
}
