/**
 * HogQLQuery: `{kind, query, values?, variables?, filters?, modifiers?}` → PostHog's HogQLQueryResponse
 * (`results`, `columns`, `types`, `hogql`, `clickhouse`, `hasMore`, `limit`, `offset`, …).
 * No LIMIT gives 100 rows; an explicit LIMIT is capped at HOGQL_MAX_LIMIT.
 */
import { HogQLError } from '../hogql/errors';
import { loadFilterCohorts } from '../hogql/cohort-filters';
import { executeSql } from '../hogql/execute';
import { filtersExpr } from '../hogql/filters';
import { loadHogQLParser, parseSelect } from '../hogql/parse';
import { HogQLPrinter } from '../hogql/printer';
import { namesVariables, queryVariableValues, variableResolver } from '../hogql/variables';
import { testAccountFiltersOf, type QueryContext, type QueryResponse, type QueryRunner } from './types';

export const HOGQL_DEFAULT_LIMIT = 100;
export const HOGQL_MAX_LIMIT = 10_000;

export interface HogQLRunOptions {
  readonly defaultLimit?: number;
  readonly maxLimit?: number;
}

export async function runHogQL(query: Record<string, unknown>, ctx: QueryContext, options: HogQLRunOptions = {}): Promise<QueryResponse> {
  const started = performance.now();
  const text = query.query;
  if (typeof text !== 'string' || text.trim() === '') throw new HogQLError('HogQLQuery needs a query.');
  const values = query.values ?? {};
  if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new HogQLError('values must be an object.');
  const variables = queryVariableValues(query.variables);
  const definitions = namesVariables(text) && ctx.loadVariables ? await ctx.loadVariables() : [];
  await loadHogQLParser();
  const ast = parseSelect(text);
  const filters = withTestAccountFilters(query.filters, testAccountFiltersOf(ctx));
  const printer = new HogQLPrinter({
    teamId: ctx.teamId,
    timezone: ctx.timezone,
    now: ctx.now,
    values: values as Record<string, unknown>,
    filters: filtersExpr(filters, ctx.timezone, await filterCohorts(filters, ctx)),
    variable: variableResolver(definitions, variables, ctx.timezone),
  });
  const { sql, limit = 0 } = printer.printTopLevel(ast, {
    autoFilters: !/\{\s*filters\s*\}/.test(text),
    limit: { defaultLimit: options.defaultLimit ?? HOGQL_DEFAULT_LIMIT, maxLimit: options.maxLimit ?? HOGQL_MAX_LIMIT, extra: 1 },
  });
  const printed = performance.now();
  const result = await executeSql(sql, ctx);
  const hasMore = result.rows.length > limit;
  const offset = ast.node === 'SelectQuery' && (ast.offset as { value?: unknown } | null)?.value;
  return {
    results: hasMore ? result.rows.slice(0, limit) : result.rows,
    columns: result.columns,
    types: result.types,
    hogql: text,
    clickhouse: sql,
    hasMore,
    limit,
    offset: typeof offset === 'number' ? offset : 0,
    modifiers: query.modifiers ?? {},
    timings: [
      { k: './print', t: (printed - started) / 1000 },
      { k: './clickhouse_execute', t: (performance.now() - printed) / 1000 },
    ],
    timezone: ctx.timezone,
    query_status: null,
    error: null,
  };
}

/**
 * `filters` with the project's test-account filters ANDed to its properties when it asks for
 * `filterTestAccounts` (cohorts they name are then loaded like any other).
 */
function withTestAccountFilters(filters: unknown, testAccountFilters: readonly unknown[]): unknown {
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters)) return filters;
  const f = filters as Record<string, unknown>;
  if (f.filterTestAccounts !== true || testAccountFilters.length === 0) return filters;
  const own = f.properties;
  const ownGroup = own === undefined || own === null ? [] : [Array.isArray(own) ? { type: 'AND', values: own } : own];
  return { ...f, properties: { type: 'AND', values: [...ownGroup, { type: 'AND', values: testAccountFilters }] } };
}

/** The cohorts `filters.properties` names (none when `filters` is not an object: filtersExpr refuses it). */
function filterCohorts(filters: unknown, ctx: QueryContext) {
  const properties = typeof filters === 'object' && filters !== null ? (filters as { properties?: unknown }).properties : undefined;
  return loadFilterCohorts(properties, ctx.loadCohort);
}

export const runHogQLQuery: QueryRunner = (query, ctx) => runHogQL(query, ctx);
