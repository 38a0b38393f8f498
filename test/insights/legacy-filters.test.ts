/** Legacy insight filters → queries (lib/insights/legacy-filters.ts), against hand-written PostHog conversions. */
import { BadRequestError } from '../../lib/http/errors';
import { effectiveQuery, legacyFiltersToQuery, legacyFiltersToSource } from '../../lib/insights/legacy-filters';

const group = (...values: unknown[]) => ({ type: 'AND', values: [{ type: 'AND', values }] });

/** The 400's `attr` for these filters (fails when they convert). */
function attrOf(filters: Record<string, unknown>): string | undefined {
  try {
    legacyFiltersToSource(filters);
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestError);
    return (e as BadRequestError & { attr?: string }).attr;
  }
  throw new Error('converted');
}

describe('TRENDS', () => {
  it('converts series in `order`, math, dates, breakdown, compare, formula and display', () => {
    const filters = {
      insight: 'TRENDS',
      events: [
        { id: '$pageview', type: 'events', order: 1, math: 'dau', name: '$pageview', custom_name: 'Visitors', properties: [{ key: '$browser', value: 'Chrome', type: 'event' }] },
        { id: 'signed_up', type: 'events', order: 2, math: 'sum', math_property: 'amount' },
      ],
      actions: [{ id: 7, type: 'actions', order: 0, name: 'Checkout', math: 'unique_group', math_group_type_index: 0 }],
      date_from: '-7d',
      date_to: null,
      interval: 'day',
      breakdown: '$browser',
      breakdown_type: 'event',
      breakdown_limit: 10,
      properties: [{ key: '$os', value: ['Mac OS X'], operator: 'exact', type: 'event' }],
      filter_test_accounts: true,
      display: 'ActionsLineGraph',
      compare: true,
      formula: 'A+B',
      smoothing_intervals: 7,
      show_values_on_series: true,
    };
    expect(legacyFiltersToQuery(filters)).toEqual({
      kind: 'InsightVizNode',
      full: true,
      source: {
        kind: 'TrendsQuery',
        dateRange: { date_from: '-7d' },
        interval: 'day',
        series: [
          // order 0 counts as "no order" (-1), so the action comes first.
          { kind: 'ActionsNode', id: 7, name: 'Checkout', math: 'unique_group', math_group_type_index: 0 },
          { kind: 'EventsNode', event: '$pageview', name: '$pageview', custom_name: 'Visitors', math: 'dau', properties: [{ key: '$browser', value: 'Chrome', type: 'event', operator: 'exact' }] },
          { kind: 'EventsNode', event: 'signed_up', math: 'sum', math_property: 'amount' },
        ],
        filterTestAccounts: true,
        properties: group({ key: '$os', value: ['Mac OS X'], operator: 'exact', type: 'event' }),
        breakdownFilter: { breakdown: '$browser', breakdown_type: 'event', breakdown_limit: 10 },
        compareFilter: { compare: true },
        trendsFilter: { display: 'ActionsLineGraph', formula: 'A+B', smoothingIntervals: 7, showValuesOnSeries: true },
      },
    });
  });

  it('is the default insight, reads lax values, fixes typos and drops what PostHog drops', () => {
    const source = legacyFiltersToSource({
      events: JSON.stringify([{ id: null, type: 'events', math: 'total' }, '{template}']),
      actions: [{ id: null, type: 'actions' }],
      interval: 'minute',
      explicit_date: 'true',
      date_from: '2024-01-01',
      breakdown_type: 'events',
      breakdown: ['Chrome', null],
      filter_test_accounts: 'false',
      display: 'NotAChart',
      properties: { utm_medium__icontains: 'email' },
      compare: 'true',
      compare_to: '-1w',
      sampling_factor: '0.1',
      hidden_legend_keys: { '0': true, '1': false, Chrome: true },
    });
    expect(source).toEqual({
      kind: 'TrendsQuery',
      dateRange: { date_from: '2024-01-01', explicitDate: true },
      interval: 'hour',
      series: [{ kind: 'EventsNode', event: null, math: 'total' }],
      samplingFactor: 0.1,
      filterTestAccounts: false,
      properties: group({ key: 'utm_medium', value: 'email', operator: 'icontains', type: 'event' }),
      breakdownFilter: { breakdown_type: 'event', breakdown: ['Chrome'] },
      compareFilter: { compare: true, compare_to: '-1w' },
      trendsFilter: { hiddenLegendIndexes: [0] },
    });
  });

  it('keeps multiple breakdowns (three at most), group aggregation, and property groups and cohorts', () => {
    const source = legacyFiltersToSource({
      insight: 'TRENDS',
      events: [{ id: '$pageview', order: 0 }],
      breakdowns: [{ property: '$browser' }, { property: 'plan', type: 'person' }, { property: '$os' }, { property: 'x' }],
      aggregation_group_type_index: 1,
      properties: { type: 'OR', values: [{ type: 'AND', values: [{ key: 'id', value: 3, type: 'precalculated-cohort' }, null] }, { type: 'OR', values: [{ key: 'email', values: ['a@b'], type: 'person', operator: null }] }] },
    });
    expect(source.breakdownFilter).toEqual({ breakdowns: [{ type: 'event', property: '$browser' }, { type: 'person', property: 'plan' }, { type: 'event', property: '$os' }] });
    expect(source.aggregation_group_type_index).toBe(1);
    expect(source.properties).toEqual({
      type: 'OR',
      values: [
        { type: 'AND', values: [{ key: 'id', value: 3, type: 'cohort', operator: 'in' }] },
        { type: 'OR', values: [{ key: 'email', value: ['a@b'], type: 'person', operator: 'exact' }] },
      ],
    });
  });

  it('SESSIONS was trends; trends shown as Stickiness are stickiness', () => {
    expect(legacyFiltersToSource({ insight: 'SESSIONS', events: [{ id: 'a' }] }).kind).toBe('TrendsQuery');
    expect(legacyFiltersToSource({ insight: 'TRENDS', shown_as: 'Stickiness', events: [{ id: 'a' }] }).kind).toBe('StickinessQuery');
  });
});

describe('FUNNELS', () => {
  it('converts steps, window, order, exclusions, attribution and a breakdown (math only first_time_for_user)', () => {
    const source = legacyFiltersToSource({
      insight: 'FUNNELS',
      events: [
        { id: '$pageview', type: 'events', order: 0, math: 'dau', properties: [{ key: '$current_url', value: '/pricing', operator: 'icontains', type: 'event' }] },
        { id: 'signed_up', type: 'events', order: 1, math: 'first_time_for_user' },
      ],
      actions: [{ id: '12', type: 'actions', order: 2, name: 'Paid' }],
      date_from: '-30d',
      interval: 'week',
      funnel_viz_type: 'steps',
      funnel_order_type: 'strict',
      funnel_window_interval: 7,
      funnel_window_interval_unit: 'day',
      exclusions: [{ id: 'logged_out', type: 'events', funnel_from_step: 0, funnel_to_step: 1, properties: [{ key: 'x', value: 1 }] }],
      breakdowns: [{ property: '$browser', type: 'event' }],
      breakdown_attribution_type: 'step',
      breakdown_attribution_value: 1,
      aggregation_group_type_index: 0,
      layout: 'horizontal',
    });
    expect(source).toEqual({
      kind: 'FunnelsQuery',
      dateRange: { date_from: '-30d' },
      interval: 'week',
      series: [
        { kind: 'EventsNode', event: '$pageview', properties: [{ key: '$current_url', value: '/pricing', operator: 'icontains', type: 'event' }] },
        { kind: 'EventsNode', event: 'signed_up', math: 'first_time_for_user' },
        { kind: 'ActionsNode', id: 12, name: 'Paid' },
      ],
      breakdownFilter: { breakdown_type: 'event', breakdown: '$browser' },
      aggregation_group_type_index: 0,
      funnelsFilter: {
        funnelVizType: 'steps',
        funnelOrderType: 'strict',
        funnelWindowInterval: 7,
        funnelWindowIntervalUnit: 'day',
        exclusions: [{ kind: 'EventsNode', event: 'logged_out', funnelFromStep: 0, funnelToStep: 1 }],
        breakdownAttributionType: 'step',
        breakdownAttributionValue: 1,
        layout: 'horizontal',
      },
    });
  });

  it('a funnel shown as ActionsLineGraph is a conversion trend; hidden breakdowns from old legend keys', () => {
    const source = legacyFiltersToSource({ insight: 'FUNNELS', events: [{ id: 'a' }, { id: 'b' }], display: 'ActionsLineGraph', hidden_legend_keys: { 'events/a/0/Chrome': true, Safari: false } });
    expect(source.funnelsFilter).toEqual({ funnelVizType: 'trends', hiddenLegendBreakdowns: ['Chrome'] });
    expect(source).not.toHaveProperty('trendsFilter');
  });

  it('refuses several breakdowns and bad steps, naming the field', () => {
    expect(attrOf({ insight: 'FUNNELS', events: [{ id: 'a' }], breakdowns: [{ property: 'a' }, { property: 'b' }] })).toBe('filters.breakdowns');
    expect(attrOf({ insight: 'FUNNELS', events: [{ id: 'a' }], funnel_order_type: 'sideways' })).toBe('filters.funnel_order_type');
    expect(attrOf({ insight: 'FUNNELS', events: [{ id: 'a' }], funnel_window_interval: 'soon' })).toBe('filters.funnel_window_interval');
    expect(attrOf({ insight: 'FUNNELS', exclusions: [{ id: 'x', funnel_to_step: -1 }] })).toBe('filters.exclusions[0].funnel_to_step');
  });
});

describe('RETENTION', () => {
  it('converts entities, period, intervals and type, without series or interval', () => {
    const source = legacyFiltersToSource({
      insight: 'RETENTION',
      target_entity: { id: 'signed_up', type: 'events', name: 'signed_up', order: 0, uuid: 'dropped' },
      returning_entity: { id: 3, type: 'actions', name: 'Came back' },
      retention_type: 'retention_first_time',
      total_intervals: '11',
      period: 'Week',
      date_to: '2024-03-01',
      interval: 'day',
      events: [{ id: 'ignored' }],
      properties: [{ key: 'plan', value: 'pro', type: 'person' }],
      show_mean: false,
    });
    expect(source).toEqual({
      kind: 'RetentionQuery',
      dateRange: { date_to: '2024-03-01' },
      properties: group({ key: 'plan', value: 'pro', type: 'person', operator: 'exact' }),
      retentionFilter: {
        targetEntity: { id: 'signed_up', type: 'events', name: 'signed_up', order: 0 },
        returningEntity: { id: 3, type: 'actions', name: 'Came back' },
        retentionType: 'retention_first_time',
        totalIntervals: 11,
        period: 'Week',
        meanRetentionCalculation: 'none',
      },
    });
  });

  it('defaults the mean to simple and refuses a bad period or entity', () => {
    expect(legacyFiltersToSource({ insight: 'RETENTION' })).toEqual({ kind: 'RetentionQuery', retentionFilter: { meanRetentionCalculation: 'simple' } });
    expect(attrOf({ insight: 'RETENTION', period: 'Fortnight' })).toBe('filters.period');
    expect(attrOf({ insight: 'RETENTION', target_entity: '$pageview' })).toBe('filters.target_entity');
    expect(attrOf({ insight: 'RETENTION', total_intervals: 0 })).toBe('filters.total_intervals');
  });
});

describe('LIFECYCLE and STICKINESS', () => {
  it('lifecycle: series without math, no group aggregation, its toggles', () => {
    expect(
      legacyFiltersToSource({ insight: 'LIFECYCLE', events: [{ id: '$pageview', math: 'total' }], interval: 'week', shown_as: 'Lifecycle', aggregation_group_type_index: 0, toggledLifecycles: ['new', 'dormant'], breakdown: '$browser' }),
    ).toEqual({ kind: 'LifecycleQuery', interval: 'week', series: [{ kind: 'EventsNode', event: '$pageview' }], lifecycleFilter: { toggledLifecycles: ['new', 'dormant'] } });
    expect(attrOf({ insight: 'LIFECYCLE', toggledLifecycles: ['zombie'] })).toBe('filters.toggledLifecycles[0]');
  });

  it('stickiness: actor math only (other math becomes dau), compare, legend', () => {
    expect(
      legacyFiltersToSource({
        insight: 'STICKINESS',
        events: [{ id: 'a', math: 'sum', math_property: 'x', order: 0 }, { id: 'b', math: 'weekly_active', order: 1 }, { id: 'c', order: 2 }],
        compare: true,
        show_legend: true,
        aggregation_group_type_index: 0,
        date_from: '-30d',
        interval: 'day',
      }),
    ).toEqual({
      kind: 'StickinessQuery',
      dateRange: { date_from: '-30d' },
      interval: 'day',
      series: [{ kind: 'EventsNode', event: 'a', math: 'dau' }, { kind: 'EventsNode', event: 'b', math: 'weekly_active' }, { kind: 'EventsNode', event: 'c' }],
      compareFilter: { compare: true },
      stickinessFilter: { showLegend: true },
    });
  });
});

describe('PATHS', () => {
  it('converts event types, start/end points, groupings, exclusions, limits and cleaning', () => {
    expect(
      legacyFiltersToSource({
        insight: 'PATHS',
        include_event_types: ['$pageview', 'custom_event'],
        start_point: '/home',
        end_point: null,
        path_groupings: ['/product/*'],
        exclude_events: ['/logout'],
        step_limit: 5,
        edge_limit: '50',
        min_edge_weight: 2,
        path_replacements: true,
        local_path_cleaning_filters: [{ alias: ':id', regex: '\\d+' }],
        date_from: '-14d',
        interval: 'day',
        filter_test_accounts: true,
      }),
    ).toEqual({
      kind: 'PathsQuery',
      dateRange: { date_from: '-14d' },
      filterTestAccounts: true,
      pathsFilter: {
        includeEventTypes: ['$pageview', 'custom_event'],
        startPoint: '/home',
        pathGroupings: ['/product/*'],
        excludeEvents: ['/logout'],
        stepLimit: 5,
        edgeLimit: 50,
        minEdgeWeight: 2,
        pathReplacements: true,
        localPathCleaningFilters: [{ alias: ':id', regex: '\\d+' }],
      },
    });
  });

  it('refuses funnel paths and bad event types, naming the field', () => {
    expect(attrOf({ insight: 'PATHS', funnel_paths: 'funnel_path_before_step', funnel_filter: { insight: 'FUNNELS' } })).toBe('filters.funnel_paths');
    expect(attrOf({ insight: 'PATHS', include_event_types: ['$click'] })).toBe('filters.include_event_types[0]');
    expect(attrOf({ insight: 'PATHS', step_limit: 2.5 })).toBe('filters.step_limit');
  });
});

describe('bad input and the effective query', () => {
  it('names the field at fault', () => {
    expect(attrOf({ insight: 'HEATMAP' })).toBe('filters.insight');
    expect(attrOf({ insight: 42 })).toBe('filters.insight');
    expect(attrOf({ events: { id: 'a' } })).toBe('filters.events');
    expect(attrOf({ actions: [5] })).toBe('filters.actions[0]');
    expect(attrOf({ actions: [{ id: 'seven' }] })).toBe('filters.actions[0].id');
    expect(attrOf({ events: [{ id: 'a', properties: 'yes' }] })).toBe('filters.events[0].properties');
    expect(attrOf({ properties: [{ key: 'a' }, 'b'] })).toBe('filters.properties[1]');
    expect(attrOf({ interval: 'fortnight' })).toBe('filters.interval');
    expect(attrOf({ breakdown_type: 'planet', breakdown: 'x' })).toBe('filters.breakdown_type');
    expect(attrOf({ filter_test_accounts: 'maybe' })).toBe('filters.filter_test_accounts');
  });

  it('an insight computes its query, else its converted filters, else nothing', () => {
    const query = { kind: 'InsightVizNode', source: { kind: 'TrendsQuery', series: [] } };
    expect(effectiveQuery({ query, filters: { insight: 'FUNNELS' } })).toBe(query);
    expect(effectiveQuery({ query: null, filters: {} })).toBeNull();
    expect(effectiveQuery({ query: null, filters: { insight: 'NOPE' } })).toBeNull();
    expect(effectiveQuery({ query: null, filters: { insight: 'LIFECYCLE', events: [{ id: 'a' }] } })).toEqual({
      kind: 'InsightVizNode',
      full: true,
      source: { kind: 'LifecycleQuery', series: [{ kind: 'EventsNode', event: 'a' }] },
    });
  });
});
