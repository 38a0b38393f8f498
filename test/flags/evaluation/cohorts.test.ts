import { evaluateFlags } from '../../../lib/flags/evaluation/evaluate-flags';
import type { Cohort, PropertyFilter } from '../../../lib/flags/types';
import { cohort, context, flag } from './fixtures';

const inCohort = (id: number, operator?: string): PropertyFilter => ({ key: 'id', type: 'cohort', value: id, ...(operator ? { operator } : {}) });
const person = (key: string, value: unknown, operator = 'exact', negation = false): PropertyFilter => ({ key, value, operator, type: 'person', negation });

function run(cohorts: Cohort[], filter: PropertyFilter, props: Record<string, unknown>, staticIds: number[] = []) {
  const f = flag('c', { groups: [{ properties: [filter], rollout_percentage: 100 }] });
  return evaluateFlags([f], context('u1', { person: props, cohorts: new Map(cohorts.map((c) => [c.id, c])), staticCohortIds: new Set(staticIds) })).c!;
}

describe('cohorts', () => {
  const usAdults = cohort(42, {
    type: 'OR',
    values: [{ type: 'AND', values: [person('country', ['US', 'CA']), person('age', 18, 'gt')] }],
  });

  it('dynamic cohort: nested AND inside OR', () => {
    expect(run([usAdults], inCohort(42), { country: 'us', age: 30 }).enabled).toBe(true);
    expect(run([usAdults], inCohort(42), { country: 'us', age: 12 }).enabled).toBe(false);
    expect(run([usAdults], inCohort(42), { country: 'fr', age: 30 }).reason.code).toBe('no_condition_match');
  });

  it('not_in inverts membership; the cohort id may be a string', () => {
    expect(run([usAdults], inCohort(42, 'not_in'), { country: 'fr' }).enabled).toBe(true);
    expect(run([usAdults], { key: 'id', type: 'cohort', value: '42' }, { country: 'us', age: 30 }).enabled).toBe(true);
  });

  it('negated leaves', () => {
    const notFree = cohort(7, { type: 'AND', values: [person('plan', 'free', 'exact', true)] });
    expect(run([notFree], inCohort(7), { plan: 'pro' }).enabled).toBe(true);
    expect(run([notFree], inCohort(7), { plan: 'free' }).enabled).toBe(false);
  });

  it('nested cohort filters and negated nested cohorts', () => {
    const outer = cohort(8, { type: 'AND', values: [{ key: 'id', type: 'cohort', value: 42 }, person('beta', true)] });
    const notUs = cohort(9, { type: 'AND', values: [{ key: 'id', type: 'cohort', value: 42, negation: true }] });
    expect(run([usAdults, outer], inCohort(8), { country: 'ca', age: 40, beta: 'true' }).enabled).toBe(true);
    expect(run([usAdults, outer], inCohort(8), { country: 'ca', age: 40, beta: false }).enabled).toBe(false);
    expect(run([usAdults, notUs], inCohort(9), { country: 'fr', age: 40 }).enabled).toBe(true);
  });

  it('static cohorts answer by membership', () => {
    const uploaded = cohort(5, null, { is_static: true });
    expect(run([uploaded], inCohort(5), {}, [5]).enabled).toBe(true);
    expect(run([uploaded], inCohort(5), {}, []).enabled).toBe(false);
    expect(run([uploaded], inCohort(5, 'not_in'), {}, []).enabled).toBe(true);
  });

  it('a deleted or unknown cohort never matches (in or not_in), without failing', () => {
    const gone = cohort(6, { type: 'AND', values: [] }, { deleted: true });
    for (const f of [inCohort(6), inCohort(6, 'not_in'), inCohort(999), inCohort(999, 'not_in')]) {
      const r = run([gone], f, {});
      expect(r).toMatchObject({ enabled: false, reason: { code: 'no_condition_match' } });
      expect(r.failed).toBeUndefined();
    }
  });

  it('cyclic cohorts do not loop: the cycle is undecided unless another leaf decides', () => {
    const a = cohort(1, { type: 'AND', values: [{ key: 'id', type: 'cohort', value: 2 }] });
    const b = cohort(2, { type: 'OR', values: [{ key: 'id', type: 'cohort', value: 1 }, person('vip', true)] });
    expect(run([a, b], inCohort(1), { vip: true }).enabled).toBe(true);
    expect(run([a, b], inCohort(1), { vip: false }).enabled).toBe(false);
    expect(run([a, b], inCohort(1, 'not_in'), { vip: false }).enabled).toBe(false);
  });

  it('empty groups: AND true, OR false; an undecidable leaf does not hide a decided one', () => {
    expect(run([cohort(3, { type: 'AND', values: [] })], inCohort(3), {}).enabled).toBe(true);
    expect(run([cohort(4, { type: 'OR', values: [] })], inCohort(4), {}).enabled).toBe(false);
    const mixed = cohort(10, { type: 'OR', values: [person('x', 1, 'unknown_op'), person('y', 'yes')] });
    expect(run([mixed], inCohort(10), { y: 'yes' }).enabled).toBe(true);
    expect(run([mixed], inCohort(10), { y: 'no' }).enabled).toBe(false);
    expect(run([mixed], inCohort(10, 'not_in'), { y: 'no' }).enabled).toBe(false); // undecided is not "not in"
  });

  it('flag filters inside cohorts read the dependency value', () => {
    const dep = flag('dep', { groups: [{ properties: [person('plan', 'pro')], rollout_percentage: 100 }] }, { id: 20 });
    const c = cohort(11, { type: 'AND', values: [{ key: '20', type: 'flag', operator: 'flag_evaluates_to', value: true }] });
    const target = flag('t', { groups: [{ properties: [inCohort(11)], rollout_percentage: 100 }] }, { id: 21 });
    const ctx = (plan: string) => context('u1', { person: { plan }, cohorts: new Map([[11, c]]) });
    expect(evaluateFlags([target, dep], ctx('pro')).t!.enabled).toBe(true);
    expect(evaluateFlags([target, dep], ctx('free')).t!.enabled).toBe(false);
  });
});
