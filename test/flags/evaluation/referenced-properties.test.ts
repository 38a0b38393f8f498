import { referencedProperties } from '../../../lib/flags/evaluation/referenced-properties';
import { cohort, flag } from './fixtures';

describe('referencedProperties', () => {
  const cohorts = new Map([
    [1, cohort(1, { type: 'AND', values: [{ key: 'country', value: 'US', type: 'person' }, { key: 'id', value: 2, type: 'cohort' }] })],
    [2, cohort(2, { type: 'OR', values: [{ type: 'AND', values: [{ key: 'age', value: 18, operator: 'gt', type: 'person' }] }] })],
    [3, cohort(3, null, { is_static: true })],
  ]);
  const flags = [
    flag('a', { groups: [{ properties: [{ key: 'email', value: 'x', type: 'person' }, { key: '2', type: 'flag', value: true, operator: 'flag_evaluates_to' }] }], super_groups: [{ properties: [{ key: '$feature_enrollment/a', value: ['true'], type: 'person' }] }] }, { id: 1 }),
    flag('b', { aggregation_group_type_index: 0, groups: [{ properties: [{ key: 'size', value: 1, type: 'group', group_type_index: 0 }, { key: 'legacy', value: 1 }] }, { properties: [{ key: 'id', value: 1, type: 'cohort' }], aggregation_group_type_index: null }] }, { id: 2 }),
    flag('c', { groups: [{ properties: [{ key: 'id', value: 3, type: 'cohort' }] }] }, { id: 3, ensure_experience_continuity: true }),
    flag('off', { groups: [{ properties: [{ key: 'secret', value: 1, type: 'person' }] }] }, { id: 4, active: false }),
  ];

  it('follows dependencies and nested cohorts', () => {
    const r = referencedProperties(flags, cohorts, ['a']);
    expect([...r.person].sort()).toEqual(['$feature_enrollment/a', 'age', 'country', 'email']);
    expect([...r.groups.get(0)!].sort()).toEqual(['legacy', 'size']);
    expect(r.staticCohorts).toBe(false);
    expect(r.continuity).toBe(false);
  });

  it('flags static cohorts and continuity; inactive flags reference nothing', () => {
    const r = referencedProperties(flags, cohorts);
    expect(r.staticCohorts).toBe(true);
    expect(r.continuity).toBe(true);
    expect(r.person.has('secret')).toBe(false);
  });

  it('an unknown key references nothing', () => {
    const r = referencedProperties(flags, cohorts, ['nope']);
    expect(r.person.size + r.groups.size).toBe(0);
  });
});
