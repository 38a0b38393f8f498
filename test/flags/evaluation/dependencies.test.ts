import { evaluateFlags } from '../../../lib/flags/evaluation/evaluate-flags';
import { flagEvaluatesTo, indexFlags, planEvaluation } from '../../../lib/flags/evaluation/dependencies';
import type { FeatureFlag, PropertyFilter } from '../../../lib/flags/types';
import { context, flag } from './fixtures';

const dependsOn = (ref: string | number, value: unknown): PropertyFilter => ({ key: String(ref), type: 'flag', operator: 'flag_evaluates_to', value });
const on = (key: string, id: number, extra: Partial<FeatureFlag> = {}) => flag(key, { groups: [{ properties: [], rollout_percentage: 100 }] }, { id, ...extra });
const gated = (key: string, id: number, ...filters: PropertyFilter[]) => flag(key, { groups: [{ properties: filters, rollout_percentage: 100 }] }, { id });

describe('flag_evaluates_to', () => {
  it.each([
    [true, true, true], [true, 'control', true], [true, false, false], [false, false, true], [false, true, false], [false, 'control', false],
    ['control', 'control', true], ['control', 'test', false], ['control', true, false], ['true', true, false],
  ])('expected %j, value %j → %s', (expected, value, result) => expect(flagEvaluatesTo(expected, value as boolean | string)).toBe(result));
});

describe('dependencies', () => {
  const multi = flag('multi', { groups: [{ properties: [], rollout_percentage: 100 }], multivariate: { variants: [{ key: 'control', rollout_percentage: 100 }] } }, { id: 3 });

  it('evaluates dependencies first, by id (stored form) or by key', () => {
    const flags = [gated('child', 2, dependsOn(1, true)), on('parent', 1), gated('child2', 4, dependsOn('multi', 'control')), multi, gated('child3', 5, dependsOn(3, 'test'))];
    const r = evaluateFlags(flags, context('u1'));
    expect(r.child!.enabled).toBe(true);
    expect(r.child2!.enabled).toBe(true);
    expect(r.child3).toMatchObject({ enabled: false, reason: { code: 'no_condition_match' } });
  });

  it('an inactive or runtime-filtered dependency is false', () => {
    const flags = [gated('a', 2, dependsOn(1, false)), on('parent', 1, { active: false }), gated('b', 4, dependsOn(3, false)), on('server-only', 3, { evaluation_runtime: 'server' })];
    const r = evaluateFlags(flags, context('u1'), { runtime: 'client' });
    expect(r.a!.enabled).toBe(true);
    expect(r.b!.enabled).toBe(true);
    expect(r.parent).toBeUndefined();
    expect(r['server-only']).toBeUndefined();
  });

  it('a deleted or unknown dependency answers missing_dependency (not failed)', () => {
    const r = evaluateFlags([gated('a', 2, dependsOn(1, true)), on('gone', 1, { deleted: true }), gated('b', 3, dependsOn(99, true))], context('u1'));
    for (const k of ['a', 'b']) {
      expect(r[k]).toMatchObject({ enabled: false, reason: { code: 'missing_dependency', condition_index: null } });
      expect(r[k]!.failed).toBeUndefined();
    }
  });

  it('cycles fail only the flags on or behind them; the others are served', () => {
    const flags = [gated('a', 1, dependsOn(2, true)), gated('b', 2, dependsOn(1, true)), gated('c', 3, dependsOn(1, true)), gated('self', 4, dependsOn(4, true)), on('fine', 5), gated('d', 6, dependsOn(5, true))];
    const r = evaluateFlags(flags, context('u1'));
    for (const k of ['a', 'b', 'c', 'self']) expect(r[k]).toMatchObject({ enabled: false, failed: true, reason: { code: 'missing_dependency' } });
    expect(r.fine!.enabled).toBe(true);
    expect(r.d!.enabled).toBe(true);
  });

  it('plans a topological order', () => {
    const flags = [gated('c', 3, dependsOn(2, true)), gated('b', 2, dependsOn(1, true)), on('a', 1)];
    const plan = planEvaluation([flags[0]!], indexFlags(flags), new Map());
    expect(plan.order.map((f) => f.key)).toEqual(['a', 'b', 'c']);
    expect(plan.broken.size).toBe(0);
  });

  it('flag_keys_to_evaluate: dependencies are evaluated but only the asked keys returned', () => {
    const r = evaluateFlags([gated('child', 2, dependsOn(1, true)), on('parent', 1), on('other', 3)], context('u1'), { keys: ['child'] });
    expect(Object.keys(r)).toEqual(['child']);
    expect(r.child!.enabled).toBe(true);
  });
});
