import { FlagDefinitionsStore } from '../../lib/flags/flag-definitions';
import type { KeyValueStore } from '../../lib/ports/key-value-store';

/** A key-value store that answers fresh copies, as DynamoDB does. */
function copyingStore(): KeyValueStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    get: async <T>(key: string) => (items.has(key) ? (JSON.parse(items.get(key)!) as T) : undefined),
    put: async (key, value) => (items.set(key, JSON.stringify(value)), true),
    delete: async (key) => void items.delete(key),
    close: async () => undefined,
  };
}

const snapshot = (stamp: string, keys: string[]) => ({
  flags: keys.map((key, i) => ({ id: i + 1, key, team_id: 1, active: true, filters: { groups: [] } })),
  cohorts: [{ id: 7, team_id: 1, name: 'c', is_static: false, deleted: false, filters: null }],
  groupTypes: [[0, 'organization']],
  stamp,
});

describe('FlagDefinitionsStore', () => {
  it('keeps the same objects while the definitions are unchanged, however often it re-reads them', async () => {
    const kv = copyingStore();
    await kv.put('flag-definitions:1', snapshot('a', ['one', 'two']));
    const store = new FlagDefinitionsStore({ kv, ttlMs: 0 });
    const first = await store.get(1);
    const again = await store.get(1);
    expect(again).toBe(first);
    expect(again.cohorts).toBe(first.cohorts);
    expect(first.flags.map((f) => f.key)).toEqual(['one', 'two']);

    await kv.put('flag-definitions:1', snapshot('b', ['one']));
    const changed = await store.get(1);
    expect(changed).not.toBe(first);
    expect(changed.flags.map((f) => f.key)).toEqual(['one']);
    expect(await store.get(1)).toBe(changed);
  });
});
