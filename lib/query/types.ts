/**
 * The contract between the query API (lib/api/query-api.ts), the query service (cache, async,
 * cancel) and the runners of each query kind (lib/query/*, lib/hogql/*). A runner is a pure
 * function of its query and this context: it prints ClickHouse SQL constrained to
 * `ctx.teamId`, runs it on `ctx.store` with `querySettings(ctx)`, and returns PostHog's
 * response body for that kind.
 */
import type { Cohort, PropertyFilter } from '../flags/types';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { PathCleaningFilter } from './insights/path-cleaning';

export interface QueryLimits {
  /** ClickHouse max_execution_time, seconds (shorter than API Gateway's 30 s). */
  readonly maxExecutionTimeSeconds: number;
  /** ClickHouse max_memory_usage, bytes. */
  readonly maxMemoryUsageBytes: number;
  /** ClickHouse max_result_rows. */
  readonly maxResultRows: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxExecutionTimeSeconds: 25,
  maxMemoryUsageBytes: 2 * 1024 ** 3,
  maxResultRows: 1_000_000,
};

/** One step of an action (PostHog's ActionStepJSON); steps are ORed. */
export interface ActionStep {
  readonly event?: string | null;
  readonly url?: string | null;
  readonly url_matching?: 'contains' | 'regex' | 'exact' | null;
  readonly text?: string | null;
  readonly text_matching?: 'contains' | 'regex' | 'exact' | null;
  readonly href?: string | null;
  readonly href_matching?: 'contains' | 'regex' | 'exact' | null;
  readonly selector?: string | null;
  readonly tag_name?: string | null;
  readonly properties?: readonly PropertyFilter[] | null;
}

export interface ActionDefinition {
  readonly id: number;
  readonly team_id: number;
  readonly name: string;
  readonly steps: readonly ActionStep[];
}

/** The types of a project's SQL variable (PostHog's InsightVariable.Type). */
export const INSIGHT_VARIABLE_TYPES = ['String', 'Number', 'Boolean', 'List', 'Date'] as const;
export type InsightVariableType = (typeof INSIGHT_VARIABLE_TYPES)[number];

/** A project's SQL variable as a query sees it: `{variables.<codeName>}` falls back to its default. */
export interface VariableDefinition {
  readonly id: string;
  readonly codeName: string;
  readonly type: InsightVariableType;
  readonly defaultValue: unknown;
}


export interface QueryContext {
  readonly teamId: number;
  /** The project's IANA time zone ('UTC' by default); intervals and date ranges are in it. */
  readonly timezone: string;
  /** "Now" for relative date ranges (fixed in tests). */
  readonly now: Date;
  readonly store: AnalyticsStore;
  readonly limits: QueryLimits;
  /** ClickHouse query_id for cancellation; runners that issue several queries suffix it. */
  readonly queryId?: string;
  readonly signal?: AbortSignal;
  /** The team's action with this id, or undefined (deleted / another team's). */
  readonly loadAction: (id: number) => Promise<ActionDefinition | undefined>;
  /** The team's cohort with this id, or undefined (deleted / another team's). */
  readonly loadCohort: (id: number) => Promise<Cohort | undefined>;
  /** The team's SQL variables (HogQL `{variables.x}`). @default none: every such placeholder is refused */
  readonly loadVariables?: () => Promise<readonly VariableDefinition[]>;
  /** The team's group types: index (0–4) → name. */
  readonly groupTypes: ReadonlyMap<number, string>;
  /** The project's test-account filters, applied with filterTestAccounts. @default PostHog's localhost filter */
  readonly testAccountFilters?: readonly PropertyFilter[];
  /** The project's path cleaning filters, applied by PathsQuery with pathReplacements. @default none */
  readonly pathCleaningFilters?: readonly PathCleaningFilter[];
}

/** PostHog's response body for a query kind (`results` plus kind-specific fields). */
export type QueryResponse = Record<string, unknown>;

/** Runs one kind of query. `query` has been checked to be an object with that `kind`. */
export type QueryRunner = (query: Record<string, unknown>, ctx: QueryContext) => Promise<QueryResponse>;

/** PostHog's default test-account filter (new projects get it): events from localhost or 127.0.0.1, any port. */
const DEFAULT_TEST_ACCOUNT_FILTERS: readonly PropertyFilter[] = [
  { key: '$host', operator: 'not_regex', value: '^(localhost|127\\.0\\.0\\.1)($|:)', type: 'event' },
];

/** What `filterTestAccounts` drops: the project's test-account filters, PostHog's default without them. */
export function testAccountFiltersOf(ctx: Pick<QueryContext, 'testAccountFilters'>): readonly PropertyFilter[] {
  return ctx.testAccountFilters ?? DEFAULT_TEST_ACCOUNT_FILTERS;
}

/** ClickHouse settings every query of this context runs with (the resource limits). */
export function querySettings(ctx: Pick<QueryContext, 'limits'>): Record<string, string | number> {
  return {
    max_execution_time: ctx.limits.maxExecutionTimeSeconds,
    max_memory_usage: ctx.limits.maxMemoryUsageBytes,
    max_result_rows: ctx.limits.maxResultRows,
    result_overflow_mode: 'throw',
    readonly: 2,
  };
}
