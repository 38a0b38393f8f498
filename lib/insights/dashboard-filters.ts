/**
 * Dashboard filters applied to an insight's query, as PostHog does for the tiles of a dashboard
 * and for `filters_override` / `from_dashboard` when an insight is read: `date_from`/`date_to`
 * replace the date range, `properties` are ANDed to the query's own, `breakdown_filter` replaces
 * the breakdown of queries that have one.
 */
import { BadRequestError } from '../http/errors';
import { unwrapQuery } from '../query/query-service';

const BREAKDOWN_KINDS = new Set(['TrendsQuery', 'FunnelsQuery', 'RetentionQuery']);

export function withDashboardFilters(query: Record<string, unknown>, filters: Record<string, unknown>): Record<string, unknown> {
  const dateFrom = filters.date_from;
  const properties = Array.isArray(filters.properties) ? filters.properties : [];
  const breakdown = filters.breakdown_filter;
  const hasBreakdown = typeof breakdown === 'object' && breakdown !== null && !Array.isArray(breakdown);
  if ((dateFrom === undefined || dateFrom === null) && properties.length === 0 && !hasBreakdown) return query;
  const copy = JSON.parse(JSON.stringify(query)) as Record<string, unknown>;
  const source = unwrapQuery(copy);
  if (dateFrom !== undefined && dateFrom !== null) source.dateRange = { ...((source.dateRange as object) ?? {}), date_from: dateFrom, date_to: filters.date_to ?? null };
  if (properties.length > 0) {
    const own = source.properties;
    source.properties = own === undefined || own === null || Array.isArray(own) ? [...((own as unknown[]) ?? []), ...properties] : { type: 'AND', values: [own, { type: 'AND', values: properties }] };
  }
  if (hasBreakdown && BREAKDOWN_KINDS.has(String(source.kind))) source.breakdownFilter = breakdown;
  return copy;
}

/** The `filters_override` query parameter (a JSON object); undefined when absent, 400 when not an object. */
export function filtersOverrideParam(query: URLSearchParams): Record<string, unknown> | undefined {
  const raw = query.get('filters_override');
  if (raw === null || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BadRequestError('invalid_input', 'filters_override must be a JSON object.', 'filters_override');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequestError('invalid_input', 'filters_override must be a JSON object.', 'filters_override');
  return parsed as Record<string, unknown>;
}
