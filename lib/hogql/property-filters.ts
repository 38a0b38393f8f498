/**
 * PostHog property filters (`[{key, value, operator, type}]` or `{type: 'AND'|'OR', values}`) as
 * HogQL ASTs, for `filters.properties` and EventsQuery's `properties`/`fixedProperties`. Cohort
 * filters need the cohorts they name loaded first (cohort-filters.ts `loadFilterCohorts`).
 * Values are compared as the strings PostHog stores; `gt`/`lt` family compare numbers.
 */
import { and, call, compare, constant, field, not, or, type AstNode } from './ast';
import { COHORT_FILTER_TYPES, cohortFilterExpr, type FilterCohorts } from './cohort-filters';
import { fail } from './errors';
import { isSessionProperty, SESSION_PROPERTIES } from '../clickhouse/sessions';
import { parseExpr } from './parse';
import { describeValue } from '../http/errors';

/** `$session_id IN (SELECT session_id FROM sessions WHERE <condition>)`: a session property filter on events. */
function sessionsWhere(condition: AstNode): AstNode {
  const select = { node: 'SelectQuery', select: [field('session_id')], select_from: { node: 'JoinExpr', table: field('sessions') }, where: condition };
  return compare(field('$session_id'), 'in', select);
}

function propertyField(filter: Record<string, unknown>): AstNode {
  const key = filter.key;
  if (typeof key !== 'string' || key === '') fail('A property filter needs a key.');
  switch (filter.type ?? 'event') {
    case 'event':
      return field('properties', key);
    case 'person':
      return field('person', 'properties', key);
    case 'group': {
      const index = filter.group_type_index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 4) fail('A group filter needs group_type_index 0–4.');
      return field(`group_${index}`, 'properties', key);
    }
    case 'session':
      if (key === '$session_id') return field('$session_id');
      return fail(`Unsupported session property: ${key} (${Object.keys(SESSION_PROPERTIES).join(', ')} are supported).`);
    default:
      return fail(`Unsupported property filter type: ${describeValue(filter.type)}`);
  }
}

/** A session property as text, like event properties: the operators compare strings (and numbers via toFloat64OrNull). */
function sessionValue(key: string): AstNode {
  const value = field(key);
  return SESSION_PROPERTIES[key].type === 'String' ? value : call('toString', value);
}

const text = (v: unknown): AstNode => constant(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function operatorExpr(target: AstNode, operator: string, value: unknown): AstNode {
  const lower = (e: AstNode) => call('lower', e);
  const anyOf = (build: (v: unknown) => AstNode) => or(...list(value).map(build));
  switch (operator) {
    case 'exact':
      return Array.isArray(value) ? compare(target, 'in', { node: 'Tuple', exprs: value.map(text) }) : compare(target, '==', text(value));
    case 'is_not':
      return or(compare(target, '==', constant(null)), not(operatorExpr(target, 'exact', value)));
    case 'icontains':
      return compare(target, 'ilike', constant(`%${String(value).replace(/[%_\\]/g, '\\$&')}%`));
    case 'not_icontains':
      return or(compare(target, '==', constant(null)), compare(target, 'not ilike', constant(`%${String(value).replace(/[%_\\]/g, '\\$&')}%`)));
    case 'regex':
      return anyOf((v) => call('match', call('ifNull', target, constant('')), text(v)));
    case 'not_regex':
      return not(anyOf((v) => call('match', call('ifNull', target, constant('')), text(v))));
    case 'starts_with':
      return call('startsWith', lower(target), lower(text(value)));
    case 'ends_with':
      return call('endsWith', lower(target), lower(text(value)));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[operator];
      return compare(call('toFloat64OrNull', target), op, call('toFloat64OrNull', text(value)));
    }
    case 'is_set':
      return compare(target, '!=', constant(null));
    case 'is_not_set':
      return compare(target, '==', constant(null));
    case 'is_date_before':
      return compare(call('parseDateTime64BestEffortOrNull', target), '<', call('parseDateTime64BestEffortOrNull', text(value)));
    case 'is_date_after':
      return compare(call('parseDateTime64BestEffortOrNull', target), '>', call('parseDateTime64BestEffortOrNull', text(value)));
    default:
      return fail(`Unsupported property operator: ${operator}`);
  }
}

/** One filter or a nested AND/OR group as an expression (null: matches everything). */
export function propertyFilterExpr(filter: unknown, cohorts: FilterCohorts = new Map()): AstNode | null {
  if (filter === null || filter === undefined) return null;
  if (Array.isArray(filter)) {
    const parts = filter.map((f) => propertyFilterExpr(f, cohorts)).filter((e): e is AstNode => e !== null);
    return parts.length ? and(...parts) : null;
  }
  if (typeof filter !== 'object') fail('A property filter must be an object.');
  const f = filter as Record<string, unknown>;
  if ((f.type === 'AND' || f.type === 'OR') && Array.isArray(f.values)) {
    const parts = f.values.map((v) => propertyFilterExpr(v, cohorts)).filter((e): e is AstNode => e !== null);
    if (!parts.length) return null;
    return f.type === 'AND' ? and(...parts) : or(...parts);
  }
  if (f.type === 'hogql') {
    if (typeof f.key !== 'string') fail('A hogql filter needs its expression in key.');
    return parseExpr(f.key);
  }
  if (COHORT_FILTER_TYPES.has(f.type)) return cohortFilterExpr(f, cohorts, (person) => propertyFilterExpr(person, cohorts)!);
  const operator = typeof f.operator === 'string' ? f.operator : 'exact';
  if (f.type === 'session' && typeof f.key === 'string' && isSessionProperty(f.key)) {
    return sessionsWhere(operatorExpr(sessionValue(f.key), operator, f.value));
  }
  return operatorExpr(propertyField(f), operator, f.value);
}
