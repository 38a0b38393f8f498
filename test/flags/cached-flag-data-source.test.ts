import { CachedFlagDataSource } from '../../lib/flags/cached-flag-data-source';
import type { FlagDataSource, FlagSubject, FlagSubjectQuery } from '../../lib/flags/flag-data-source';

/** A source whose answers carry how many times it was asked, and a person uuid per distinct id. */
function countingSource(): FlagDataSource & { calls: number } {
  const source = {
    calls: 0,
    async load(query: FlagSubjectQuery): Promise<FlagSubject> {
      source.calls++;
      return {
        personId: `uuid-of-${query.distinctId}`,
        personProperties: { call: source.calls },
        staticCohortIds: [],
        hashKeyOverrides: {},
        groupProperties: new Map(query.groups.map((g) => [`${g.index}:${g.key}`, { call: source.calls }])),
      };
    },
    addHashKeyOverrides: async () => ({ flag: 'anon' }),
  };
  return source;
}

const q = (distinctId: string, teamId = 1, groups: { index: number; key: string }[] = []): FlagSubjectQuery => ({ teamId, distinctId, groups, person: true });

describe('CachedFlagDataSource', () => {
  it('answers repeat queries from memory', async () => {
    const source = countingSource();
    const cache = new CachedFlagDataSource(source);
    expect((await cache.load(q('a'))).personProperties).toEqual({ call: 1 });
    expect((await cache.load(q('a'))).personProperties).toEqual({ call: 1 });
    expect((await cache.load(q('a', 2))).personProperties).toEqual({ call: 2 });
    expect(source.calls).toBe(2);
  });

  it('forgets by distinct id, person uuid and group, and only those', async () => {
    const source = countingSource();
    const cache = new CachedFlagDataSource(source);
    await cache.load(q('a'));
    await cache.load(q('b', 1, [{ index: 0, key: 'acme' }]));
    cache.forget(1, { distinctIds: ['a'] });
    expect((await cache.load(q('a'))).personProperties).toEqual({ call: 3 });
    expect((await cache.load(q('b', 1, [{ index: 0, key: 'acme' }]))).personProperties).toEqual({ call: 2 });
    cache.forget(1, { personIds: ['uuid-of-b'] });
    expect((await cache.load(q('b', 1, [{ index: 0, key: 'acme' }]))).personProperties).toEqual({ call: 4 });
    cache.forget(1, { groups: [{ index: 0, key: 'acme' }] });
    expect((await cache.load(q('b', 1, [{ index: 0, key: 'acme' }]))).personProperties).toEqual({ call: 5 });
    cache.forget(2, { distinctIds: ['a'] }); // another team's change
    expect((await cache.load(q('a'))).personProperties).toEqual({ call: 3 });
  });

  it('forgets a team, expires entries and drops the least recently used', async () => {
    const source = countingSource();
    const cache = new CachedFlagDataSource(source, { ttlMs: 50, maxEntries: 2 });
    await cache.load(q('a'));
    await cache.load(q('b'));
    await cache.load(q('a')); // a is now the most recent
    await cache.load(q('c')); // evicts b
    expect(source.calls).toBe(3);
    await cache.load(q('a'));
    expect(source.calls).toBe(3);
    await cache.load(q('b'));
    expect(source.calls).toBe(4);
    cache.forgetTeam(1);
    await cache.load(q('b'));
    expect(source.calls).toBe(5);
    await new Promise((r) => setTimeout(r, 60));
    await cache.load(q('b'));
    expect(source.calls).toBe(6);
  });

  it('forgets the caller after writing a hash-key override', async () => {
    const source = countingSource();
    const cache = new CachedFlagDataSource(source);
    await cache.load(q('a'));
    expect(await cache.addHashKeyOverrides(1, 'a', 'anon', ['flag'])).toEqual({ flag: 'anon' });
    await cache.load(q('a'));
    expect(source.calls).toBe(2);
  });
});
