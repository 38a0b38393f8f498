/** Legacy insight filters (lib/insights/legacy-filters.ts) on arbitrary input: a query or a 400 under `filters.`, never a crash. */
import fc from 'fast-check';
import { BadRequestError } from '../../lib/http/errors';
import { legacyFiltersToSource } from '../../lib/insights/legacy-filters';

it('any JSON object either converts without touching its input or is a 400 naming a field under filters', () => {
  const value = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -3, max: 30 }), fc.constantFrom('', 'true', '7', 'day', 'Week', '-7d', '$pageview', 'event'));
  const entity = fc.dictionary(fc.constantFrom('id', 'type', 'order', 'math', 'name', 'properties', 'funnel_to_step'), value);
  const keys = ['insight', 'events', 'actions', 'date_from', 'interval', 'breakdown', 'breakdown_type', 'properties', 'compare', 'period', 'total_intervals', 'target_entity', 'step_limit', 'exclusions', 'funnel_order_type', 'display'];
  const filters = fc.dictionary(
    fc.constantFrom(...keys),
    fc.oneof(value, fc.array(entity, { maxLength: 3 }), entity, fc.constantFrom('TRENDS', 'FUNNELS', 'RETENTION', 'PATHS', 'LIFECYCLE', 'STICKINESS')),
  );
  fc.assert(
    fc.property(filters, (f) => {
      const before = JSON.stringify(f);
      try {
        const source = legacyFiltersToSource(f);
        const seriesless = source.kind === 'RetentionQuery' || source.kind === 'PathsQuery';
        expect(Array.isArray(source.series)).toBe(!seriesless);
      } catch (e) {
        expect(e).toBeInstanceOf(BadRequestError);
        expect((e as { attr?: string }).attr).toMatch(/^filters\./);
      }
      expect(JSON.stringify(f)).toBe(before);
    }),
    { numRuns: 300 },
  );
});

it('any value under any known key is a query or a 400, never a crash', () => {
  const keys = ['insight', 'events', 'actions', 'date_from', 'date_to', 'explicit_date', 'interval', 'breakdown', 'breakdown_type', 'breakdowns', 'properties', 'compare', 'compare_to', 'period', 'retention_type', 'total_intervals', 'target_entity', 'returning_entity', 'step_limit', 'exclusions', 'funnel_viz_type', 'funnel_window_interval', 'hidden_legend_keys', 'include_event_types', 'local_path_cleaning_filters', 'toggledLifecycles', 'sampling_factor', 'display', 'shown_as'];
  fc.assert(
    fc.property(fc.constantFrom('TRENDS', 'FUNNELS', 'RETENTION', 'PATHS', 'LIFECYCLE', 'STICKINESS'), fc.dictionary(fc.constantFrom(...keys), fc.anything()), (insight, rest) => {
      try {
        legacyFiltersToSource({ insight, ...rest });
      } catch (e) {
        expect(e).toBeInstanceOf(BadRequestError);
      }
    }),
    { numRuns: 500 },
  );
});

it('names inherited from Object.prototype are unknown values, not lookups that succeed', () => {
  const keys = ['insight', 'date_from', 'date_to', 'interval', 'breakdown', 'breakdown_type', 'compare_to', 'period', 'retention_type', 'funnel_viz_type', 'funnel_order_type', 'funnel_window_interval_unit', 'display', 'shown_as', 'math', 'toggledLifecycles'];
  const inherited = Object.getOwnPropertyNames(Object.prototype);
  for (const insight of ['TRENDS', 'FUNNELS', 'RETENTION', 'PATHS', 'LIFECYCLE', 'STICKINESS']) {
    for (const key of keys) {
      for (const name of inherited) {
        const events = [{ id: '$pageview', type: 'events', order: 0, math: key === 'math' ? name : undefined }, { id: 'signup', type: 'events', order: 1 }];
        try {
          legacyFiltersToSource({ insight, events, [key]: name });
        } catch (e) {
          expect(e).toBeInstanceOf(BadRequestError);
        }
      }
    }
  }
});
