import { evaluateFlags } from '../../../lib/flags/evaluation/evaluate-flags';
import { flagHash } from '../../../lib/flags/evaluation/hash';
import type { FlagCondition, PropertyFilter } from '../../../lib/flags/types';
import { context, flag } from './fixtures';

const p = (key: string, value: unknown, operator = 'exact', type = 'person'): PropertyFilter => ({ key, value, operator, type });
const variants = { variants: [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 50 }] };

describe('reasons, indexes and descriptions', () => {
  it('the best reason seen wins, later index on ties', () => {
    const f = flag('f', {
      groups: [
        { properties: [p('plan', 'pro')], rollout_percentage: 100 }, // no_condition_match
        { properties: [], rollout_percentage: 0 }, // out_of_rollout_bound
        { properties: [p('plan', 'x')], rollout_percentage: 100 }, // no_condition_match (lower score)
      ],
    });
    expect(evaluateFlags([f], context('u1')).f!.reason).toEqual({ code: 'out_of_rollout_bound', condition_index: 1, description: 'Out of rollout bound' });
    const g = flag('g', { groups: [{ properties: [p('a', 1)] }, { properties: [p('b', 1)] }] });
    expect(evaluateFlags([g], context('u1')).g!.reason).toEqual({ code: 'no_condition_match', condition_index: 1, description: 'No matching condition set' });
  });

  it('a flag without conditions has no match and no index', () => {
    expect(evaluateFlags([flag('f', { groups: [] })], context('u1')).f!.reason).toEqual({ code: 'no_condition_match', condition_index: null, description: 'No matching condition set' });
  });

  it('variant-override conditions are tried first, keeping their original index', () => {
    const f = flag('f', { groups: [{ properties: [], rollout_percentage: 100 }, { properties: [], rollout_percentage: 100, variant: 'test' }], multivariate: variants });
    expect(evaluateFlags([f], context('user-1')).f).toMatchObject({ enabled: true, variant: 'test', reason: { code: 'condition_match', condition_index: 1, description: 'Matched condition set 2' } });
  });

  it('an override naming a missing variant falls back to the hashed variant', () => {
    const f = flag('multivariate-flag', { groups: [{ properties: [], variant: 'nope' }], multivariate: { variants: [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 50 }] } });
    expect(evaluateFlags([f], context('user-1'))['multivariate-flag']).toMatchObject({ enabled: true, variant: 'control' }); // variant hash 0.303
  });

  it('early_exit stops at the first out-of-rollout condition', () => {
    const conds: FlagCondition[] = [{ properties: [], rollout_percentage: 0 }, { properties: [], rollout_percentage: 100 }];
    expect(evaluateFlags([flag('f', { groups: conds })], context('u1')).f!.enabled).toBe(true);
    expect(evaluateFlags([flag('f', { groups: conds, early_exit: true })], context('u1')).f).toMatchObject({ enabled: false, reason: { code: 'out_of_rollout_bound', condition_index: 0 } });
  });
});

describe('payloads', () => {
  it('"true" payload for boolean matches; only when enabled; objects are JSON-encoded', () => {
    const f = flag('f', { groups: [{ properties: [p('on', true)] }], payloads: { true: '{"x":1}' } });
    expect(evaluateFlags([f], context('u', { person: { on: true } })).f!.payload).toBe('{"x":1}');
    expect(evaluateFlags([f], context('u', { person: { on: false } })).f!.payload).toBeNull();
    const g = flag('g', { groups: [{ properties: [] }], payloads: { true: { a: [1] } } });
    expect(evaluateFlags([g], context('u')).g!.payload).toBe('{"a":[1]}');
  });
});

describe('super conditions (early access)', () => {
  const enrollment = (v: string[]) => [{ properties: [p('$feature_enrollment/beta', v)], rollout_percentage: 100 }];
  const f = flag('beta', { super_groups: enrollment(['true']), groups: [{ properties: [p('plan', 'pro')] }], payloads: { true: '"early"' } });

  it('the enrollment property decides when set', () => {
    expect(evaluateFlags([f], context('u', { person: { '$feature_enrollment/beta': true } })).beta).toMatchObject({ enabled: true, payload: '"early"', reason: { code: 'super_condition_value', condition_index: 0, description: 'Super condition value' } });
    expect(evaluateFlags([f], context('u', { person: { '$feature_enrollment/beta': false, plan: 'pro' } })).beta).toMatchObject({ enabled: false, reason: { code: 'super_condition_value', condition_index: 0 } });
  });
  it('otherwise the release conditions decide', () => {
    expect(evaluateFlags([f], context('u', { person: { plan: 'pro' } })).beta).toMatchObject({ enabled: true, reason: { code: 'condition_match' } });
  });
  it('a property-less super condition is evaluated like a condition and only decides on a match', () => {
    const g = flag('g', { super_groups: [{ properties: [], rollout_percentage: 100 }], groups: [] });
    expect(evaluateFlags([g], context('u')).g!.reason.code).toBe('super_condition_value');
    const h = flag('h', { super_groups: [{ properties: [], rollout_percentage: 0 }], groups: [{ properties: [] }] });
    expect(evaluateFlags([h], context('u')).h!.reason.code).toBe('condition_match');
  });
});

describe('holdouts', () => {
  it('held-out persons get the holdout variant before the conditions', () => {
    const f = flag('f', { holdout: { id: 7, exclusion_percentage: 100 }, groups: [{ properties: [p('x', 'never')] }], multivariate: variants, payloads: { 'holdout-7': '1' } });
    expect(evaluateFlags([f], context('anyone')).f).toMatchObject({ enabled: true, variant: 'holdout-7', payload: '1', reason: { code: 'holdout_condition_value', condition_index: null } });
  });
  it('0 % exclusion holds out nobody (with a non-zero hash)', () => {
    const f = flag('f', { holdout: { id: 7, exclusion_percentage: 0 }, groups: [{ properties: [] }] });
    expect(evaluateFlags([f], context('user-1')).f!.reason.code).toBe('condition_match');
  });
});

describe('group flags and mixed targeting', () => {
  const ctx = (groups: Record<string, string>, groupProperties: Record<string, Record<string, unknown>> = {}, person: Record<string, unknown> = {}) =>
    context('user-1', { groups, groupProperties, person });

  it('group filters read the group properties; bucketing is on the group key', () => {
    const f = flag('group-rollout', { aggregation_group_type_index: 0, groups: [{ properties: [p('size', 100, 'gt', 'group')], rollout_percentage: 100 }] });
    expect(evaluateFlags([f], ctx({ company: 'acme' }, { company: { $group_key: 'acme', size: 500 } }))['group-rollout']!.enabled).toBe(true);
    expect(evaluateFlags([f], ctx({ company: 'acme' }, { company: { $group_key: 'acme', size: 5 } }))['group-rollout']!.enabled).toBe(false);
  });

  it('an unknown group type index is no_group_type', () => {
    const f = flag('f', { aggregation_group_type_index: 5, groups: [{ properties: [] }] });
    expect(evaluateFlags([f], ctx({ company: 'acme' })).f!.reason.code).toBe('no_group_type');
  });

  it('per-condition aggregation: a person condition still runs when the group is absent', () => {
    const f = flag('f', {
      aggregation_group_type_index: 0,
      groups: [{ properties: [p('plan', 'pro', 'exact', 'group')] }, { properties: [p('email', '@x.com', 'icontains')], aggregation_group_type_index: null }],
    });
    expect(evaluateFlags([f], ctx({}, {}, { email: 'a@x.com' })).f).toMatchObject({ enabled: true, reason: { condition_index: 1 } });
    expect(evaluateFlags([f], ctx({}, {}, { email: 'a@y.com' })).f).toMatchObject({ enabled: false, reason: { code: 'no_condition_match', condition_index: 1 } });
    expect(evaluateFlags([f], ctx({ company: 'acme' }, { company: { plan: 'pro' } })).f).toMatchObject({ enabled: true, reason: { condition_index: 0 } });
  });

  it('a person flag can filter on group properties of a named group type', () => {
    const f = flag('f', { groups: [{ properties: [{ key: 'tier', value: 'gold', operator: 'exact', type: 'group', group_type_index: 1 }] }] });
    expect(evaluateFlags([f], ctx({ project: 'p1' }, { project: { tier: 'gold' } })).f!.enabled).toBe(true);
    expect(evaluateFlags([f], ctx({})).f!.enabled).toBe(false);
  });
});

describe('bucketing identifiers and experience continuity', () => {
  const f50 = (extra = {}) => flag('simple-flag', { groups: [{ properties: [], rollout_percentage: 50 }] }, extra);

  it('device_id bucketing uses $device_id and skips person conditions without one', () => {
    const f = f50({ bucketing_identifier: 'device_id' });
    expect(evaluateFlags([f], context('user-1', { deviceId: 'user-2' }))['simple-flag']!.enabled).toBe(true); // hash of user-2
    expect(evaluateFlags([f], context('user-2', { deviceId: 'user-1' }))['simple-flag']!.enabled).toBe(false);
    expect(evaluateFlags([f], context('user-2'))['simple-flag']).toMatchObject({ enabled: false, reason: { code: 'out_of_rollout_bound' } });
  });

  it('a continuity hash-key override replaces the distinct id, only for continuity flags', () => {
    const overrides = { hashKeyOverrides: { 'simple-flag': 'user-2' } };
    expect(evaluateFlags([f50({ ensure_experience_continuity: true })], context('user-1', overrides))['simple-flag']!.enabled).toBe(true);
    expect(evaluateFlags([f50()], context('user-1', overrides))['simple-flag']!.enabled).toBe(false);
    expect(evaluateFlags([f50({ ensure_experience_continuity: true })], context('user-1'))['simple-flag']!.enabled).toBe(false);
  });

  it('a continuity flag named like something every object inherits buckets by the distinct id when it has no override', () => {
    const f = flag('constructor', { groups: [{ properties: [], rollout_percentage: 50 }] }, { ensure_experience_continuity: true });
    for (const id of ['user-1', 'user-2', 'user-3', 'user-4']) {
      expect(evaluateFlags([f], context(id))['constructor']!.enabled).toBe(flagHash('constructor', id) <= 0.5);
    }
  });

  it('the continuity key also picks the variant', () => {
    const f = flag('multivariate-flag', { groups: [{ properties: [] }], multivariate: { variants: [{ key: 'a', rollout_percentage: 50 }, { key: 'b', rollout_percentage: 50 }] } }, { ensure_experience_continuity: true });
    const expected = flagHash('multivariate-flag', 'user-4', 'variant') < 0.5 ? 'a' : 'b';
    expect(evaluateFlags([f], context('someone', { hashKeyOverrides: { 'multivariate-flag': 'user-4' } }))['multivariate-flag']!.variant).toBe(expected);
  });
});

describe('which flags are answered', () => {
  const base = { groups: [{ properties: [] }] };
  it('inactive and deleted flags are omitted', () => {
    const r = evaluateFlags([flag('a', base, { id: 1 }), flag('b', base, { id: 2, active: false }), flag('c', base, { id: 3, deleted: true })], context('u'));
    expect(Object.keys(r)).toEqual(['a']);
  });
  it('evaluation_runtime: flags of the other runtime are skipped', () => {
    const flags = [flag('c', base, { id: 1, evaluation_runtime: 'client' }), flag('s', base, { id: 2, evaluation_runtime: 'server' }), flag('a', base, { id: 3 })];
    expect(Object.keys(evaluateFlags(flags, context('u'), { runtime: 'server' })).sort()).toEqual(['a', 's']);
    expect(Object.keys(evaluateFlags(flags, context('u'), { runtime: 'client' })).sort()).toEqual(['a', 'c']);
    expect(Object.keys(evaluateFlags(flags, context('u'))).sort()).toEqual(['a', 'c', 's']);
  });
  it('evaluation contexts: only tagged-with-one-of or untagged flags', () => {
    const flags = [flag('web', base, { id: 1, evaluation_tags: ['web'] }), flag('app', base, { id: 2, evaluation_tags: ['app'] }), flag('any', base, { id: 3 })];
    expect(Object.keys(evaluateFlags(flags, context('u'), { evaluationContexts: ['web'] })).sort()).toEqual(['any', 'web']);
  });
  it('a flag whose evaluation throws is failed; the others are served', () => {
    const bad = flag('bad', { groups: [{ properties: [] }], payloads: { true: 10n as unknown as string } }, { id: 1 });
    const r = evaluateFlags([bad, flag('good', base, { id: 2 })], context('u'));
    expect(r.bad).toMatchObject({ enabled: false, failed: true, payload: null });
    expect(r.good!.enabled).toBe(true);
  });
  it('an unknown operator or property type is no match (not a failure)', () => {
    const r = evaluateFlags([flag('f', { groups: [{ properties: [p('a', 1, 'teleports')] }, { properties: [p('b', 1, 'exact', 'event')] }] })], context('u', { person: { a: 1, b: 1 } }));
    expect(r.f).toMatchObject({ enabled: false, reason: { code: 'no_condition_match' } });
    expect(r.f!.failed).toBeUndefined();
  });
});
