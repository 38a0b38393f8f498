/**
 * The insight-specific part of a legacy filter (`_insight_filter` in PostHog's filter_to_query):
 * trendsFilter, funnelsFilter, retentionFilter, pathsFilter, lifecycleFilter, stickinessFilter.
 * snake_case keys become the schema's camelCase; an all-empty filter is left out.
 */
import { BadRequestError } from '../http/errors';
import { legacyExclusions } from './legacy-series';
import { bool, compact, type Filters, int, invalid, num, object, oneOf, str, strings } from './legacy-values';

type Json = Record<string, unknown>;

/** PostHog's ChartDisplayType; any other `display` is dropped, as PostHog's clean_display does. */
const DISPLAYS = [
  'ActionsLineGraph', 'ActionsBar', 'ActionsUnstackedBar', 'ActionsStackedBar', 'ActionsAreaGraph', 'ActionsLineGraphCumulative',
  'BoldNumber', 'ActionsPie', 'ActionsBarValue', 'ActionsTable', 'WorldMap', 'CalendarHeatmap',
];
const WINDOW_UNITS = ['second', 'minute', 'hour', 'day', 'week', 'month'] as const;

/** `hidden_legend_keys` of trends/stickiness ({"1": true}) as the hidden series indexes. */
function hiddenIndexes(f: Filters): number[] | undefined {
  const keys = object(f, 'hidden_legend_keys');
  if (!keys || Object.keys(keys).length === 0) return undefined;
  return Object.entries(keys).flatMap(([k, v]) => (/^\d+$/.test(k) && v === true ? [Number(k)] : []));
}

/** `hidden_legend_keys` of funnels ({"Chrome": true}, or pre-2022 `events/$pageview/0/Chrome`) as hidden breakdowns. */
function hiddenBreakdowns(f: Filters): string[] | undefined {
  const keys = object(f, 'hidden_legend_keys');
  if (!keys || Object.keys(keys).length === 0) return undefined;
  const seen = new Map<string, unknown>();
  for (const [key, value] of Object.entries(keys)) {
    const parts = key.split('/');
    const old = parts.length >= 4 && /^\d+$/.test(parts[2]);
    const name = old ? parts.slice(3).join('/') : key;
    if (!old || !seen.has(name)) seen.set(name, value);
  }
  return [...seen].flatMap(([k, v]) => (!/^\d+$/.test(k) && v === true ? [k] : []));
}

function trendsFilter(f: Filters): Json | undefined {
  const display = f.display;
  return compact({
    smoothingIntervals: int(f, 'smoothing_intervals', 1),
    showLegend: bool(f, 'show_legend'),
    showAlertThresholdLines: bool(f, 'show_alert_threshold_lines'),
    hiddenLegendIndexes: hiddenIndexes(f),
    aggregationAxisFormat: str(f, 'aggregation_axis_format'),
    aggregationAxisPrefix: str(f, 'aggregation_axis_prefix'),
    aggregationAxisPostfix: str(f, 'aggregation_axis_postfix'),
    decimalPlaces: num(f, 'decimal_places'),
    formula: str(f, 'formula'),
    display: typeof display === 'string' && DISPLAYS.includes(display) ? display : undefined,
    showValuesOnSeries: bool(f, 'show_values_on_series'),
    showPercentStackView: bool(f, 'show_percent_stack_view'),
    showLabelsOnSeries: bool(f, 'show_label_on_series'),
    yAxisScaleType: oneOf(f, 'y_axis_scale_type', ['linear', 'log10']),
    showMultipleYAxes: bool(f, 'show_multiple_y_axes'),
  });
}

function funnelsFilter(f: Filters): Json | undefined {
  // Before funnel_viz_type, funnel trends were a funnel shown as ActionsLineGraph.
  const viz = oneOf(f, 'funnel_viz_type', ['steps', 'time_to_convert', 'trends']) ?? (f.display === 'ActionsLineGraph' ? 'trends' : undefined);
  return compact(
    {
      funnelVizType: viz,
      funnelOrderType: oneOf(f, 'funnel_order_type', ['ordered', 'strict', 'unordered']),
      funnelFromStep: int(f, 'funnel_from_step', 0),
      funnelToStep: int(f, 'funnel_to_step', 0),
      funnelWindowIntervalUnit: oneOf(f, 'funnel_window_interval_unit', WINDOW_UNITS),
      funnelWindowInterval: int(f, 'funnel_window_interval', 1),
      funnelStepReference: oneOf(f, 'funnel_step_reference', ['total', 'previous']),
      breakdownAttributionType: oneOf(f, 'breakdown_attribution_type', ['first_touch', 'last_touch', 'all_events', 'step']),
      breakdownAttributionValue: int(f, 'breakdown_attribution_value', 0),
      binCount: int(f, 'bin_count', 1),
      exclusions: legacyExclusions(f),
      layout: oneOf(f, 'layout', ['horizontal', 'vertical']),
      hiddenLegendBreakdowns: hiddenBreakdowns(f),
      funnelAggregateByHogQL: str(f, 'funnel_aggregate_by_hogql'),
    },
    { dropEmptyLists: true },
  );
}

/** A retention entity as PostHog's to_base_entity_dict keeps it: type, id, name, custom_name, order. */
function retentionEntity(f: Filters, key: string): Json | undefined {
  const e = object(f, key);
  if (!e) return undefined;
  if (e.type !== undefined && e.type !== null && e.type !== 'events' && e.type !== 'actions') throw invalid(`${key}.type`, 'must be events or actions.');
  if (e.id !== undefined && e.id !== null && typeof e.id !== 'string' && typeof e.id !== 'number') throw invalid(`${key}.id`, 'must be an event name or an action id.');
  return compact({ type: e.type, id: e.id, name: str(e, 'name', `${key}.name`), custom_name: str(e, 'custom_name', `${key}.custom_name`), order: int(e, 'order', undefined, `${key}.order`) }) ?? {};
}

function retentionFilter(f: Filters): Json | undefined {
  const showMean = bool(f, 'show_mean');
  return compact({
    retentionType: oneOf(f, 'retention_type', ['retention_recurring', 'retention_first_time', 'retention_first_ever_occurrence']),
    retentionReference: oneOf(f, 'retention_reference', ['total', 'previous']),
    totalIntervals: int(f, 'total_intervals', 1),
    returningEntity: retentionEntity(f, 'returning_entity'),
    targetEntity: retentionEntity(f, 'target_entity'),
    period: oneOf(f, 'period', ['Hour', 'Day', 'Week', 'Month']),
    meanRetentionCalculation: oneOf(f, 'mean_retention_calculation', ['simple', 'weighted', 'none']) ?? (showMean === false ? 'none' : 'simple'),
    cumulative: bool(f, 'cumulative'),
  });
}

function pathCleaningFilters(f: Filters): Json[] | undefined {
  const raw = f.local_path_cleaning_filters;
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw invalid('local_path_cleaning_filters', 'must be a list.');
  return raw.map((rule, i) => {
    if (typeof rule !== 'object' || rule === null) throw invalid(`local_path_cleaning_filters[${i}]`, 'must be an {alias, regex} object.');
    const r = rule as Json;
    return compact({ alias: str(r, 'alias', `local_path_cleaning_filters[${i}].alias`), regex: str(r, 'regex', `local_path_cleaning_filters[${i}].regex`) }) ?? {};
  });
}

function pathsFilter(f: Filters): Json | undefined {
  // Paths of a funnel (funnel_paths + funnel_filter) are a PathsQuery with a funnel source, which the paths runner does not compute.
  if (f.funnel_paths !== undefined && f.funnel_paths !== null && f.funnel_filter !== undefined && f.funnel_filter !== null) {
    throw new BadRequestError('unsupported', 'filters.funnel_paths: paths of a funnel are not supported yet.', 'filters.funnel_paths');
  }
  const eventTypes = strings(f, 'include_event_types');
  eventTypes?.forEach((t, i) => {
    if (!['$pageview', '$screen', 'custom_event', 'hogql'].includes(t)) throw invalid(`include_event_types[${i}]`, 'must be $pageview, $screen, custom_event or hogql.');
  });
  return compact({
    pathsHogQLExpression: str(f, 'paths_hogql_expression'),
    includeEventTypes: eventTypes,
    startPoint: str(f, 'start_point'),
    endPoint: str(f, 'end_point'),
    pathGroupings: strings(f, 'path_groupings'),
    excludeEvents: strings(f, 'exclude_events'),
    stepLimit: int(f, 'step_limit', 1),
    pathReplacements: bool(f, 'path_replacements'),
    localPathCleaningFilters: pathCleaningFilters(f),
    edgeLimit: int(f, 'edge_limit', 1),
    minEdgeWeight: int(f, 'min_edge_weight', 0),
    maxEdgeWeight: int(f, 'max_edge_weight', 0),
  });
}

function lifecycleFilter(f: Filters): Json | undefined {
  const toggled = strings(f, 'toggledLifecycles');
  toggled?.forEach((t, i) => {
    if (!['new', 'resurrecting', 'returning', 'dormant'].includes(t)) throw invalid(`toggledLifecycles[${i}]`, 'must be new, resurrecting, returning or dormant.');
  });
  return compact({ toggledLifecycles: toggled, showLegend: bool(f, 'show_legend'), showValuesOnSeries: bool(f, 'show_values_on_series') });
}

function stickinessFilter(f: Filters): Json | undefined {
  return compact({ showLegend: bool(f, 'show_legend'), hiddenLegendIndexes: hiddenIndexes(f), showValuesOnSeries: bool(f, 'show_values_on_series') });
}

export const INSIGHT_FILTERS = {
  TRENDS: { key: 'trendsFilter', read: trendsFilter },
  FUNNELS: { key: 'funnelsFilter', read: funnelsFilter },
  RETENTION: { key: 'retentionFilter', read: retentionFilter },
  PATHS: { key: 'pathsFilter', read: pathsFilter },
  LIFECYCLE: { key: 'lifecycleFilter', read: lifecycleFilter },
  STICKINESS: { key: 'stickinessFilter', read: stickinessFilter },
} as const;
