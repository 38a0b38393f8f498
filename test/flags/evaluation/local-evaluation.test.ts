import { toLocalEvaluationResponse } from '../../../lib/flags/evaluation/local-evaluation';
import { cohort, flag } from './fixtures';

describe('toLocalEvaluationResponse', () => {
  const dep = (ref: string) => ({ key: ref, type: 'flag', operator: 'flag_evaluates_to', value: true });
  const flags = [
    flag('zeta', { groups: [{ properties: [dep('2')] }] }, { id: 1 }),
    flag('beta', { groups: [{ properties: [dep('3')] }] }, { id: 2 }),
    flag('alpha', { groups: [{ properties: [{ key: 'id', type: 'cohort', value: 10 }, { key: 'id', type: 'cohort', value: 12 }] }] }, { id: 3, active: false }),
    flag('gone', { groups: [] }, { id: 4, deleted: true }),
    flag('loop-a', { groups: [{ properties: [dep('6')] }] }, { id: 5 }),
    flag('loop-b', { groups: [{ properties: [dep('5')] }] }, { id: 6 }),
    flag('orphan', { groups: [{ properties: [dep('4')] }] }, { id: 7 }),
  ];
  const cohorts = new Map([
    [10, cohort(10, { type: 'AND', values: [{ key: 'id', type: 'cohort', value: 11 }] })],
    [11, cohort(11, { type: 'OR', values: [{ key: 'country', type: 'person', value: 'US' }] })],
    [12, cohort(12, null, { is_static: true })],
    [13, cohort(13, { type: 'AND', values: [] })], // not referenced by any flag
  ]);
  const body = toLocalEvaluationResponse(flags, cohorts, new Map([[1, 'project'], [0, 'company']]), { sendCohorts: true });

  it('sorts by key, keeps inactive flags, drops deleted ones', () => {
    expect(body.flags.map((f) => f.key)).toEqual(['alpha', 'beta', 'loop-a', 'loop-b', 'orphan', 'zeta']);
    expect(body.flags.find((f) => f.key === 'alpha')!.active).toBe(false);
  });

  it('rewrites dependency ids to keys with a topological dependency_chain (empty on cycles and missing flags)', () => {
    const props = (key: string) => body.flags.find((f) => f.key === key)!.filters.groups![0]!.properties!;
    expect(props('zeta')[0]).toMatchObject({ key: 'beta', dependency_chain: ['alpha', 'beta'] });
    expect(props('beta')[0]).toMatchObject({ key: 'alpha', dependency_chain: ['alpha'] });
    expect(props('loop-a')[0]).toMatchObject({ key: 'loop-b', dependency_chain: [] });
    expect(props('orphan')[0]).toMatchObject({ key: '4', dependency_chain: [] });
  });

  it('serves the group type mapping and only the referenced dynamic cohorts, transitively', () => {
    expect(body.group_type_mapping).toEqual({ '0': 'company', '1': 'project' });
    expect(Object.keys(body.cohorts!).sort()).toEqual(['10', '11']);
    expect(body.cohorts!['11']).toEqual({ type: 'OR', values: [{ key: 'country', type: 'person', value: 'US' }] });
  });

  it('omits cohorts without send_cohorts, and carries the fields SDKs read', () => {
    const plain = toLocalEvaluationResponse(flags, cohorts, new Map(), { sendCohorts: false });
    expect(plain.cohorts).toBeUndefined();
    expect(Object.keys(plain.flags[0]!).sort()).toEqual(
      ['active', 'bucketing_identifier', 'deleted', 'ensure_experience_continuity', 'evaluation_contexts', 'evaluation_runtime', 'evaluation_tags', 'filters', 'has_encrypted_payloads', 'id', 'key', 'name', 'team_id', 'version'].sort(),
    );
  });
});
