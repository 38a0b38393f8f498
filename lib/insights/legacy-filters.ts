/**
 * Legacy insight `filters` → the query the insight runners compute, after PostHog's
 * filter_to_query (posthog/hogql_queries/legacy_compatibility/filter_to_query.py). API scripts and
 * older clients still save insights as `{"insight": "TRENDS", "events": [...], "date_from": "-7d",
 * ...}`; PostHog computes them from the converted query and shows that query in their place.
 *
 * The parts, in PostHog's order: dateRange, interval (not for retention/paths; minute → hour),
 * series (legacy-series.ts), samplingFactor, filterTestAccounts, properties (always a property
 * group), breakdownFilter (trends, funnels), compareFilter (trends, stickiness),
 * aggregation_group_type_index (not stickiness/lifecycle), and the insight's own filter
 * (legacy-insight-filters.ts). Nulls are left out, as PostHog's `exclude_none` dump does.
 * Bad input is a 400 whose `attr` names the field under `filters`.
 */
import { BadRequestError } from '../http/errors';
import { INSIGHT_FILTERS } from './legacy-insight-filters';
import { legacySeries, type MathAvailability } from './legacy-series';
import { bool, cleanGlobalProperties, compact, type Filters, int, invalid, list, num, oneOf, str, strToBool } from './legacy-values';

type Json = Record<string, unknown>;
export type LegacyInsightType = keyof typeof INSIGHT_FILTERS;

const QUERY_KINDS: Record<LegacyInsightType, string> = {
  TRENDS: 'TrendsQuery',
  FUNNELS: 'FunnelsQuery',
  RETENTION: 'RetentionQuery',
  PATHS: 'PathsQuery',
  LIFECYCLE: 'LifecycleQuery',
  STICKINESS: 'StickinessQuery',
};
const MATH: Record<LegacyInsightType, MathAvailability> = { TRENDS: 'all', FUNNELS: 'funnels_only', STICKINESS: 'actors_only', LIFECYCLE: 'none', RETENTION: 'none', PATHS: 'none' };
const BREAKDOWN_TYPES = ['event', 'person', 'cohort', 'group', 'session', 'hogql', 'data_warehouse', 'data_warehouse_person_property', 'event_metadata'];

/** The insight type: `insight` (TRENDS when absent; SESSIONS was trends), or STICKINESS for trends `shown_as` Stickiness. */
export function legacyInsightType(f: Filters): LegacyInsightType {
  if (f.shown_as === 'Stickiness') return 'STICKINESS';
  const insight = f.insight ?? 'TRENDS';
  if (insight === 'SESSIONS') return 'TRENDS';
  if (typeof insight === 'string' && Object.hasOwn(QUERY_KINDS, insight)) return insight as LegacyInsightType;
  throw new BadRequestError('invalid_input', `filters.insight must be one of ${Object.keys(QUERY_KINDS).join(', ')} (got ${JSON.stringify(insight)}).`, 'filters.insight');
}

function dateRange(f: Filters): Json | undefined {
  return compact({ date_from: str(f, 'date_from'), date_to: str(f, 'date_to'), explicitDate: f.explicit_date ? strToBool(f.explicit_date) : undefined });
}

function samplingFactor(f: Filters): number | undefined {
  const v = f.sampling_factor;
  // A sampling factor string that does not read as a number is dropped, as PostHog does.
  if (typeof v === 'string') return v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
  return num(f, 'sampling_factor');
}

/** `breakdowns` of trends: up to three {type, property, …}; of funnels: exactly one, as breakdown/breakdown_type. */
function breakdowns(f: Filters, type: LegacyInsightType, out: Json): void {
  const raw = f.breakdowns;
  if (raw === undefined || raw === null) return;
  const items = list(f, 'breakdowns');
  if (type === 'TRENDS') {
    const multi = items.flatMap((b) => {
      if (typeof b !== 'object' || b === null || !('property' in b)) return [];
      const d = b as Json;
      return [compact({ type: d.type ?? 'event', property: d.property, normalize_url: d.normalize_url, histogram_bin_count: d.histogram_bin_count, group_type_index: d.group_type_index })];
    });
    if (multi.length > 0) out.breakdowns = multi.slice(0, 3);
    return;
  }
  const only = items[0];
  if (items.length !== 1 || typeof only !== 'object' || only === null) throw invalid('breakdowns', 'must hold exactly one breakdown for this insight.');
  out.breakdown_type = (only as Json).type ?? null;
  out.breakdown = (only as Json).property ?? null;
}

function breakdownFilter(f: Filters, type: LegacyInsightType): Json | undefined {
  if (type !== 'TRENDS' && type !== 'FUNNELS') return undefined;
  // Broken breakdowns saved by old clients.
  if (f.breakdown_type === 'undefined' && typeof f.breakdown !== 'string') return undefined;
  const b = f.breakdown;
  if (b !== undefined && b !== null && !['string', 'number'].includes(typeof b) && !Array.isArray(b)) throw invalid('breakdown', 'must be a property name, a cohort id or a list of them.');
  const out: Json = {
    breakdown_type: f.breakdown_type === 'events' ? 'event' : oneOf(f, 'breakdown_type', BREAKDOWN_TYPES),
    breakdown: Array.isArray(b) ? b.filter((v) => v !== null && v !== undefined) : b,
    breakdown_normalize_url: bool(f, 'breakdown_normalize_url'),
    breakdown_group_type_index: int(f, 'breakdown_group_type_index', 0),
    breakdown_hide_other_aggregation: bool(f, 'breakdown_hide_other_aggregation'),
    breakdown_histogram_bin_count: type === 'TRENDS' ? int(f, 'breakdown_histogram_bin_count', 1) : undefined,
    breakdown_limit: int(f, 'breakdown_limit', 1),
  };
  breakdowns(f, type, out);
  if (out.breakdown !== undefined && out.breakdown !== null && (out.breakdown_type === undefined || out.breakdown_type === null)) out.breakdown_type = 'event';
  return compact(out);
}

function compareFilter(f: Filters, type: LegacyInsightType): Json | undefined {
  if (type !== 'TRENDS' && type !== 'STICKINESS') return undefined;
  return compact({ compare: bool(f, 'compare'), compare_to: str(f, 'compare_to') });
}

/** The query (TrendsQuery, FunnelsQuery, …) legacy filters describe. */
export function legacyFiltersToSource(filters: Filters): Json {
  const type = legacyInsightType(filters);
  const seriesless = type === 'RETENTION' || type === 'PATHS';
  const interval = seriesless ? undefined : oneOf(filters, 'interval', ['minute', 'hour', 'day', 'week', 'month']);
  const insight = INSIGHT_FILTERS[type];
  const query = compact({
    dateRange: dateRange(filters),
    interval: interval === 'minute' ? 'hour' : interval,
    series: seriesless ? undefined : legacySeries(filters, MATH[type]),
    samplingFactor: samplingFactor(filters),
    filterTestAccounts: bool(filters, 'filter_test_accounts'),
    properties: cleanGlobalProperties(filters.properties),
    breakdownFilter: breakdownFilter(filters, type),
    compareFilter: compareFilter(filters, type),
    aggregation_group_type_index: type === 'STICKINESS' || type === 'LIFECYCLE' ? undefined : int(filters, 'aggregation_group_type_index', 0),
    [insight.key]: insight.read(filters),
  });
  return { kind: QUERY_KINDS[type], ...query };
}

/** Legacy filters as the InsightVizNode PostHog shows for them (its Insight.query_from_filters). */
export function legacyFiltersToQuery(filters: Filters): Json {
  return { kind: 'InsightVizNode', source: legacyFiltersToSource(filters), full: true };
}

/**
 * The query an insight computes: its own, else the one its legacy filters describe (null when it
 * has neither). Filters that no longer convert (saved before they were checked) give null, as
 * PostHog's query_from_filters does.
 */
export function effectiveQuery(insight: { readonly query: Json | null; readonly filters: Json }): Json | null {
  if (insight.query) return insight.query;
  if (Object.keys(insight.filters).length === 0) return null;
  try {
    return legacyFiltersToQuery(insight.filters);
  } catch {
    return null;
  }
}
