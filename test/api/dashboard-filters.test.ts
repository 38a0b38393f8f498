import { withDashboardFilters } from '../../lib/insights/dashboard-filters';

describe('withDashboardFilters', () => {
  const trends = { kind: 'InsightVizNode', source: { kind: 'TrendsQuery', series: [], properties: { type: 'OR', values: [{ key: 'a', value: 1 }] }, breakdownFilter: { breakdown: '$os' } } };

  it('replaces dates and breakdown, ANDs properties to a property group, and leaves the saved query alone', () => {
    const out = withDashboardFilters(trends, { date_from: '-7d', properties: [{ key: 'b', value: 2 }], breakdown_filter: { breakdown: '$browser', breakdown_type: 'event' } });
    expect(out.source).toEqual({
      kind: 'TrendsQuery',
      series: [],
      dateRange: { date_from: '-7d', date_to: null },
      properties: { type: 'AND', values: [{ type: 'OR', values: [{ key: 'a', value: 1 }] }, { type: 'AND', values: [{ key: 'b', value: 2 }] }] },
      breakdownFilter: { breakdown: '$browser', breakdown_type: 'event' },
    });
    expect(trends.source.breakdownFilter).toEqual({ breakdown: '$os' });
  });

  it('does not give a breakdown to kinds without one, and returns the query itself when there is nothing to apply', () => {
    const lifecycle = { kind: 'LifecycleQuery', series: [] };
    expect(withDashboardFilters(lifecycle, { breakdown_filter: { breakdown: '$browser' } })).toEqual(lifecycle);
    expect(withDashboardFilters(trends, {})).toBe(trends);
  });
});
