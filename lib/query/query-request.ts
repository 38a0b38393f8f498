/**
 * What a query request means, before anything runs: PostHog's refresh modes, the query a kind
 * wrapper stands for, and the cache key of a team's query.
 */
import { createHash } from 'node:crypto';
import { namesVariables } from '../hogql/variables';
import { BadRequestError } from '../http/errors';
import type { QueryScope } from './query-job';

/** PostHog's refresh (execution) modes. */
export const REFRESH_MODES = ['blocking', 'async', 'lazy_async', 'force_blocking', 'force_async', 'force_cache'] as const;
export type RefreshMode = (typeof REFRESH_MODES)[number];

const WRAPPER_KINDS = new Set(['InsightVizNode', 'DataTableNode', 'DataVisualizationNode']);

/** `refresh` (and the legacy `async`) of a request as a mode; 400 naming `refresh` for anything else. */
export function refreshModeOf(refresh: unknown, asyncFlag: unknown, fallback: RefreshMode): RefreshMode {
  let mode: RefreshMode;
  if (refresh === undefined || refresh === null || refresh === false || refresh === 'false' || refresh === '') mode = fallback;
  else if (refresh === true || refresh === 'true') mode = 'force_blocking';
  else if (typeof refresh === 'string' && (REFRESH_MODES as readonly string[]).includes(refresh)) mode = refresh as RefreshMode;
  else throw new BadRequestError('invalid_input', `refresh must be a boolean or one of ${REFRESH_MODES.join(', ')}.`, 'refresh');
  if (asyncFlag !== undefined && asyncFlag !== null && typeof asyncFlag !== 'boolean') throw new BadRequestError('invalid_input', 'async must be a boolean.', 'async');
  if (asyncFlag === true && mode === 'blocking') return 'async';
  if (asyncFlag === true && mode === 'force_blocking') return 'force_async';
  return mode;
}

/** The query a kind wrapper (InsightVizNode, DataTableNode, …) stands for; the query itself otherwise. */
export function unwrapQuery(query: Record<string, unknown>): Record<string, unknown> {
  let current = query;
  for (let depth = 0; depth < 3 && typeof current.kind === 'string' && WRAPPER_KINDS.has(current.kind); depth++) {
    const source = current.source;
    if (!source || typeof source !== 'object' || Array.isArray(source)) throw new BadRequestError('invalid_input', `A ${current.kind} needs a source query.`, 'query.source');
    current = source as Record<string, unknown>;
  }
  return current;
}

/** JSON with object keys sorted and undefined dropped: equal queries hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => v !== undefined && k !== 'response')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * PostHog's cache_key for a team's query. The project settings that change results are part of
 * it (time zone; test-account and path cleaning filters), so changing one misses the old entries.
 */
export function cacheKeyOf(teamId: number, timezone: string, query: Record<string, unknown>, settings: Record<string, unknown> = {}): string {
  const digest = createHash('sha256').update(canonicalJson({ v: 1, team: teamId, timezone, query, ...settings })).digest('hex');
  return `cache_${digest.slice(0, 40)}`;
}

/**
 * The project's SQL variables a HogQL query may fall back on (code name, type, default) as cache
 * key settings: the values a query gives are in the query, a changed default must miss too.
 * Nothing for other queries, so their keys do not move when a variable changes.
 */
export async function variableKeySettings(source: Record<string, unknown>, scope: Pick<QueryScope, 'loadVariables'>): Promise<Record<string, unknown>> {
  if (source.kind !== 'HogQLQuery' || typeof source.query !== 'string' || !namesVariables(source.query) || !scope.loadVariables) return {};
  const definitions = [...(await scope.loadVariables())].sort((a, b) => (a.codeName < b.codeName ? -1 : a.codeName > b.codeName ? 1 : 0));
  return { variables: definitions.map((d) => [d.codeName, d.type, d.defaultValue]) };
}
