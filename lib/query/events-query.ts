/**
 * EventsQuery (the events table of PostHog's data explorer): `select` HogQL expressions (`*`
 * is the event as an object, `person` the person as an object), `where` expressions, `event`,
 * `properties`, `fixedProperties`, `filterTestAccounts`, `after` (default -24h) / `before`, `personId`, `orderBy`,
 * `limit`/`offset`. Aggregations group by the other selected expressions, as in PostHog.
 */
import { and, call, compare, constant, field, isNode, type AstNode } from '../hogql/ast';
import { dateBound } from '../hogql/dates';
import { HogQLError } from '../hogql/errors';
import { executeSql } from '../hogql/execute';
import { findFunction } from '../hogql/functions';
import { loadHogQLParser, parseExpr, parseOrderExpr } from '../hogql/parse';
import { HogQLPrinter } from '../hogql/printer';
import { loadFilterCohorts, type FilterCohorts } from '../hogql/cohort-filters';
import { propertyFilterExpr } from '../hogql/property-filters';
import { HOGQL_DEFAULT_LIMIT, HOGQL_MAX_LIMIT } from './hogql-query';
import { testAccountFiltersOf, type QueryContext, type QueryResponse, type QueryRunner } from './types';

const EVENT_TUPLE = ['uuid', 'event', 'properties', 'timestamp', 'distinct_id', 'elements_chain', 'created_at'] as const;

function strings(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new HogQLError(`${name} must be a list of strings.`);
  return value as string[];
}

/** The project's test-account filters when the query asks for `filterTestAccounts`. */
function requestedTestAccountFilters(query: Record<string, unknown>, ctx: QueryContext): readonly unknown[] | null {
  return query.filterTestAccounts === true ? testAccountFiltersOf(ctx) : null;
}

/** `properties.$browser -- Browser`: the expression before PostHog's ` -- label`. */
const expressionOf = (column: string) => column.split(' -- ')[0].trim();

function selectExpr(column: string): AstNode {
  const text = expressionOf(column);
  if (text === '*') return call('tuple', ...EVENT_TUPLE.map((f) => field(f)));
  if (text === 'person') return call('tuple', field('person_id'), field('distinct_id'), field('person', 'created_at'), field('person', 'properties'));
  return parseExpr(text);
}

function hasAggregate(node: unknown): boolean {
  if (!isNode(node) || node.node === 'SelectQuery' || node.node === 'SelectSetQuery') return false;
  if (node.node === 'Call' && findFunction(String(node.name))?.aggregate) return true;
  return Object.values(node).some((v) => (Array.isArray(v) ? v.some(hasAggregate) : hasAggregate(v)));
}

function count(value: unknown, fallback: number, name: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new HogQLError(`${name} must be a non-negative integer.`);
  return value;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return text ?? {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

function buildQuery(query: Record<string, unknown>, columns: string[], ctx: QueryContext, limit: number, offset: number, cohorts: FilterCohorts): AstNode {
  const select = columns.map(selectExpr);
  const where: AstNode[] = [];
  if (typeof query.event === 'string' && query.event !== '') where.push(compare(field('event'), '==', constant(query.event)));
  const after = dateBound(query.after === undefined ? '-24h' : query.after, ctx.timezone, 'from');
  if (after) where.push(compare(field('timestamp'), '>', after));
  const before = dateBound(query.before, ctx.timezone, 'to');
  if (before) where.push(compare(field('timestamp'), '<', before));
  if (typeof query.personId === 'string' && query.personId !== '') where.push(compare(field('person_id'), '==', call('toUUIDOrNull', constant(query.personId))));
  for (const filters of [query.properties, query.fixedProperties, requestedTestAccountFilters(query, ctx)]) {
    const expr = propertyFilterExpr(filters ?? null, cohorts);
    if (expr) where.push(expr);
  }
  for (const w of strings(query.where, 'where')) where.push(parseExpr(w));
  const aggregated = select.some(hasAggregate);
  const groupBy = aggregated ? select.filter((e) => !hasAggregate(e)) : [];
  let orderBy = strings(query.orderBy, 'orderBy').map(parseOrderExpr);
  if (!orderBy.length) {
    const ts = columns.findIndex((c) => expressionOf(c) === 'timestamp' || expressionOf(c) === '*');
    const agg = select.findIndex(hasAggregate);
    if (ts >= 0 && !aggregated) orderBy = [{ node: 'OrderExpr', expr: field('timestamp'), order: 'DESC' }];
    else if (agg >= 0) orderBy = [{ node: 'OrderExpr', expr: select[agg], order: 'DESC' }];
  }
  return {
    node: 'SelectQuery',
    select,
    select_from: { node: 'JoinExpr', table: field('events'), alias: null, next_join: null },
    where: where.length ? and(...where) : null,
    group_by: groupBy.length ? groupBy : null,
    order_by: orderBy.length ? orderBy : null,
    limit: constant(limit),
    offset: offset ? constant(offset) : null,
  };
}

export async function runEvents(query: Record<string, unknown>, ctx: QueryContext): Promise<QueryResponse> {
  const columns = strings(query.select, 'select');
  if (!columns.length) throw new HogQLError('EventsQuery needs at least one column in select.');
  const limit = Math.min(count(query.limit, HOGQL_DEFAULT_LIMIT, 'limit'), HOGQL_MAX_LIMIT);
  const offset = count(query.offset, 0, 'offset');
  await loadHogQLParser();
  const cohorts = await loadFilterCohorts([query.properties, query.fixedProperties, requestedTestAccountFilters(query, ctx)], ctx.loadCohort);
  const ast = buildQuery(query, columns, ctx, limit, offset, cohorts);
  const printer = new HogQLPrinter({ teamId: ctx.teamId, timezone: ctx.timezone, now: ctx.now, values: {}, filters: null });
  const { sql } = printer.printTopLevel(ast, { limit: { defaultLimit: limit, maxLimit: HOGQL_MAX_LIMIT, extra: 1 } });
  const result = await executeSql(sql, ctx);
  const hasMore = result.rows.length > limit;
  const rows = (hasMore ? result.rows.slice(0, limit) : result.rows).map((row) =>
    row.map((value, i) => {
      const column = expressionOf(columns[i]);
      if (column === '*' && Array.isArray(value)) {
        const event = Object.fromEntries(EVENT_TUPLE.map((name, j) => [name, value[j]]));
        return { ...event, properties: parseJson(event.properties), team_id: ctx.teamId };
      }
      if (column === 'person' && Array.isArray(value)) {
        return { uuid: value[0], distinct_id: value[1], created_at: value[2], properties: parseJson(value[3]) };
      }
      return value;
    }),
  );
  return {
    results: rows,
    columns,
    types: result.types.map(([, type]) => type),
    clickhouse: sql,
    hasMore,
    limit,
    offset,
    modifiers: query.modifiers ?? {},
    timezone: ctx.timezone,
    error: null,
  };
}

export const runEventsQuery: QueryRunner = (query, ctx) => runEvents(query, ctx);
