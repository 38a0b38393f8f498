/**
 * Session property filters (`type: 'session'`) on events: the event's `$session_id` is one of the
 * team's sessions whose property matches. Sessions are computed from events
 * (lib/clickhouse/sessions.ts), so the filter is a subquery, not a join.
 */
import { isSessionProperty, SESSION_PROPERTIES, sessionsSubquery } from '../../clickhouse/sessions';
import type { PropertyFilter } from '../../flags/types';
import { BadRequestError } from '../../http/errors';
import { operatorSql, type DateValueResolver } from './operators';
import type { FilterScope } from './property-filters';
import { TEAM_ID } from './sql-params';

export function sessionFilterSql(filter: PropertyFilter, scope: FilterScope, field: string, resolveDate: DateValueResolver): string {
  const sessionId = `${scope.prefix ?? ''}\`$session_id\``;
  const key = filter.key;
  if (key === '$session_id') return operatorSql(`toNullable(${sessionId})`, filter, scope.params, field, resolveDate);
  if (!isSessionProperty(key)) {
    throw new BadRequestError('invalid_input', `${field}.key "${key}" is not a session property (${['$session_id', ...Object.keys(SESSION_PROPERTIES)].join(', ')}).`, `${field}.key`);
  }
  // As text, like every other property: the operators compare strings, and numbers via toFloat64OrNull.
  const value = SESSION_PROPERTIES[key].type === 'String' ? `\`${key}\`` : `toNullable(toString(\`${key}\`))`;
  const matches = operatorSql(value, filter, scope.params, field, resolveDate);
  return `${sessionId} IN (SELECT session_id FROM (${sessionsSubquery(TEAM_ID, [key])}) WHERE ${matches})`;
}
