import { evaluateFlags } from '../../../lib/flags/evaluation/evaluate-flags';
import { flagHash, holdoutHash, isHeldOut, isInRollout, variantFor, variantForHash } from '../../../lib/flags/evaluation/hash';
import { CONTRACT_FLAGS, context, flag } from './fixtures';

describe('hash (contract §3.5 verified vectors)', () => {
  const vectors: [string, string, string, number][] = [
    ['simple-flag', 'user-1', '', 0.7371322536090543],
    ['simple-flag', 'user-2', '', 0.1962789067725905],
    ['simple-flag', 'user-3', '', 0.9106243166093713],
    ['simple-flag', 'user-4', '', 0.12466398414239588],
    ['simple-flag', 'some-distinct-id', '', 0.477755795905271],
    ['simple-flag', 'another-distinct-id', '', 0.46397692196535584],
    ['multivariate-flag', 'user-1', 'variant', 0.30281816997820665],
    ['multivariate-flag', 'user-3', 'variant', 0.9392721546435372],
    ['multivariate-flag', 'user-4', 'variant', 0.6868352783553573],
    ['multivariate-flag', 'another-distinct-id', 'variant', 0.5094977481517038],
    ['group-rollout', 'acme', '', 0.5990857263476429],
    ['group-rollout', 'initech', '', 0.451790730707087],
    ['email-flag', 'u5', '', 0.1170892531450753],
  ];
  it.each(vectors)('hash(%s, %s, %s) = %d exactly', (key, id, salt, expected) => {
    expect(flagHash(key, id, salt)).toBe(expected);
  });

  it('holdout hash is SHA1("holdout-" + id) with no key and no dot', () => {
    expect(holdoutHash('user-1')).toBe(0.17805599206573022);
    expect(holdoutHash('user-2')).toBe(0.928387330790184);
  });

  it('rollout 100 always passes, rollout 0 never does for a non-zero hash', () => {
    expect(isInRollout('simple-flag', 'user-3', 100)).toBe(true);
    expect(isInRollout('simple-flag', 'user-2', 0)).toBe(false);
    expect(isInRollout('simple-flag', 'user-2', 20)).toBe(true); // 0.196 ≤ 0.20
    expect(isInRollout('simple-flag', 'user-2', 19)).toBe(false);
  });

  it('variant ranges are [min, max) and a hash past the sum has no variant', () => {
    const variants = [{ key: 'a', rollout_percentage: 50 }, { key: 'b', rollout_percentage: 30 }];
    expect(variantForHash(0, variants)).toBe('a');
    expect(variantForHash(0.5, variants)).toBe('b');
    expect(variantForHash(0.79, variants)).toBe('b');
    expect(variantForHash(0.81, variants)).toBeNull();
    expect(variantFor('multivariate-flag', 'user-1', [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 50 }])).toBe('control');
  });

  it('holdout exclusion is clamped and 100 % always holds out', () => {
    expect(isHeldOut('user-2', 100)).toBe(true);
    expect(isHeldOut('user-2', 150)).toBe(true);
    expect(isHeldOut('user-1', 18)).toBe(true);
    expect(isHeldOut('user-1', 17)).toBe(false);
    expect(isHeldOut('user-1', -5)).toBe(false);
  });
});

describe('end-to-end results (contract §3.5, §3.12)', () => {
  const evalFor = (distinctId: string, person: Record<string, unknown> = {}, groups: Record<string, string> = {}) =>
    evaluateFlags(CONTRACT_FLAGS, context(distinctId, { person, groups }));

  it.each([
    ['user-1', false], ['user-2', true], ['user-3', false], ['user-4', true], ['user-5', false], ['user-6', true],
    ['user-7', true], ['user-8', true], ['user-9', true], ['user-10', true], ['some-distinct-id', true], ['another-distinct-id', true],
  ])('simple-flag for %s is %s', (id, expected) => {
    const r = evalFor(id)['simple-flag']!;
    expect(r.enabled).toBe(expected);
    expect(r.reason.code).toBe(expected ? 'condition_match' : 'out_of_rollout_bound');
    expect(r.reason.condition_index).toBe(0);
  });

  it.each([
    ['user-1', 'control'], ['user-2', 'control'], ['user-3', 'test-2'], ['user-4', 'test'], ['user-5', 'control'], ['user-6', 'test'],
    ['user-7', 'control'], ['user-8', 'control'], ['user-9', 'control'], ['user-10', 'control'], ['some-distinct-id', 'control'], ['another-distinct-id', 'test'],
  ])('multivariate-flag for %s is %s, with its payload', (id, variant) => {
    const r = evalFor(id)['multivariate-flag']!;
    expect(r).toMatchObject({ enabled: true, variant, reason: { code: 'condition_match', condition_index: 0, description: 'Matched condition set 1' } });
    expect(r.payload).toBe(variant === 'control' ? '{"color":"blue"}' : variant === 'test' ? '{"color":"red"}' : null);
  });

  it.each([['acme', false], ['globex', false], ['initech', true], ['umbrella', false]])('group-rollout for company %s is %s whatever the distinct id', (company, expected) => {
    for (const id of ['user-1', 'user-2', 'someone']) expect(evalFor(id, {}, { company })['group-rollout']!.enabled).toBe(expected);
  });

  it('group-rollout without the group is false with no_group_type', () => {
    expect(evalFor('user-1')['group-rollout']).toMatchObject({ enabled: false, reason: { code: 'no_group_type', condition_index: 0, description: 'No group type' } });
  });

  it('email-flag: icontains, list exact, rollout of the second condition', () => {
    expect(evalFor('u1', { email: 'A@EXAMPLE.com' })['email-flag']).toMatchObject({ enabled: true, reason: { condition_index: 0 } });
    expect(evalFor('u2', { email: 'a@other.com', plan: 'pro' })['email-flag']).toMatchObject({ enabled: false, reason: { code: 'out_of_rollout_bound', condition_index: 1 } });
    expect(evalFor('u5', { plan: 'pro' })['email-flag']).toMatchObject({ enabled: true, reason: { code: 'condition_match', condition_index: 1, description: 'Matched condition set 2' } });
    expect(evalFor('u5', {})['email-flag']).toMatchObject({ enabled: false, reason: { code: 'no_condition_match', condition_index: 1 } });
  });

  it('holdout {id:99, exclusion 50}: user-1 held out, user-2 not', () => {
    const f = flag('exp', { holdout: { id: 99, exclusion_percentage: 50 }, groups: [{ properties: [], rollout_percentage: 100 }] });
    expect(evaluateFlags([f], context('user-1')).exp).toMatchObject({ enabled: true, variant: 'holdout-99', reason: { code: 'holdout_condition_value', condition_index: null, description: 'Holdout condition value' } });
    expect(evaluateFlags([f], context('user-2')).exp).toMatchObject({ enabled: true, variant: null, reason: { code: 'condition_match' } });
  });
});
