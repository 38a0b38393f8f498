import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbKvStore } from '../../../lib/adapters/aws/dynamodb-kv-store';
import { KeyValueCache } from '../../../lib/adapters/key-value-cache';
import { TEST_CREDENTIALS, TEST_REGION, createKeyValueTable, startDynalite, type Emulator } from '../../support/aws-emulators';

let dynalite: Emulator;
let client: DynamoDBClient;
const table = `hedgerow-kv-${Date.now().toString(36)}`;

/** A store whose clock the test moves. */
function storeAt(start = Date.UTC(2026, 10, 23, 12, 0, 0, 500)) {
  let now = start;
  const store = new DynamoDbKvStore({ table, client, now: () => now });
  return { store, advance: (ms: number) => (now += ms) };
}

beforeAll(async () => {
  dynalite = await startDynalite();
  client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  await createKeyValueTable(client, table);
});

afterAll(async () => {
  client?.destroy();
  await dynalite?.stop();
});

describe('DynamoDbKvStore', () => {
  it('round-trips JSON values and stores the documented item shape', async () => {
    const { store } = storeAt();
    const value = { teamId: 7, name: 'Zoë', tags: ['a', 'b'], nested: { ok: true, none: null } };
    expect(await store.put('token:phc_abc', value, { ttlSeconds: 300 })).toBe(true);
    expect(await store.get('token:phc_abc')).toEqual(value);
    expect(await store.put('scalar', 42)).toBe(true);
    expect(await store.get<number>('scalar')).toBe(42);
    expect(await store.get('missing')).toBeUndefined();

    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'token:phc_abc' } } }));
    expect(Item).toEqual({
      pk: { S: 'token:phc_abc' },
      v: { S: JSON.stringify(value) },
      expiresAt: { N: String(Math.ceil(Date.UTC(2026, 10, 23, 12, 5, 0, 500) / 1000)) },
    });
    const { Item: plain } = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'scalar' } } }));
    expect(plain?.expiresAt).toBeUndefined();
  });

  it('stores large values gzipped (a team’s flag definitions outgrow the 400 KB item limit as plain JSON)', async () => {
    const { store } = storeAt();
    const flags = Array.from({ length: 600 }, (_, i) => ({ id: i, key: `flag-${i}`, filters: { groups: [{ properties: [{ key: 'email', value: `@team-${i}.example`, operator: 'icontains', type: 'person' }], rollout_percentage: 50 }] } }));
    expect(JSON.stringify({ flags }).length).toBeGreaterThan(100_000);
    await store.put('flag-definitions:1', { flags });
    expect(await store.get('flag-definitions:1')).toEqual({ flags });
    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'flag-definitions:1' } } }));
    expect(Item?.v).toBeUndefined();
    expect(Item?.z?.B?.length).toBeLessThan(JSON.stringify({ flags }).length / 5);
    // Overwritten by a small value: plain JSON again, nothing stale left behind.
    await store.put('flag-definitions:1', { flags: [] });
    expect(await store.get('flag-definitions:1')).toEqual({ flags: [] });
  });

  it('reads an item past its expiresAt as absent, although DynamoDB (here dynalite) still holds it', async () => {
    const { store, advance } = storeAt();
    await store.put('ttl', 'soon gone', { ttlSeconds: 10 });
    advance(10_000);
    expect(await store.get('ttl')).toBe('soon gone');
    advance(1_000);
    expect(await store.get('ttl')).toBeUndefined();
    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'ttl' } } }));
    expect(Item?.v?.S).toBe(JSON.stringify('soon gone'));
  });

  it('writes onlyIfAbsent once, answers false while the item lives, and again true once it has expired', async () => {
    const { store, advance } = storeAt();
    expect(await store.put('ledger:batch-1', { done: 1 }, { onlyIfAbsent: true, ttlSeconds: 60 })).toBe(true);
    expect(await store.put('ledger:batch-1', { done: 2 }, { onlyIfAbsent: true, ttlSeconds: 60 })).toBe(false);
    expect(await store.get('ledger:batch-1')).toEqual({ done: 1 });

    advance(59_000);
    expect(await store.put('ledger:batch-1', { done: 3 }, { onlyIfAbsent: true })).toBe(false);
    advance(2_000);
    expect(await store.put('ledger:batch-1', { done: 4 }, { onlyIfAbsent: true })).toBe(true);
    expect(await store.get('ledger:batch-1')).toEqual({ done: 4 });
    // Written without a TTL, it now lives for ever.
    advance(86_400_000);
    expect(await store.put('ledger:batch-1', { done: 5 }, { onlyIfAbsent: true })).toBe(false);
  });

  it('lets exactly one of many concurrent onlyIfAbsent writers win', async () => {
    const { store } = storeAt();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.put('race', i, { onlyIfAbsent: true })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get('race')).toBe(results.indexOf(true));
  });

  it('overwrites without onlyIfAbsent and deletes', async () => {
    const { store } = storeAt();
    await store.put('k', 1);
    expect(await store.put('k', 2)).toBe(true);
    expect(await store.get('k')).toBe(2);
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
    await expect(store.delete('k')).resolves.toBeUndefined();
  });

  it('refuses values without a JSON form and bad TTLs, and reports other errors', async () => {
    const { store } = storeAt();
    await expect(store.put('u', undefined)).rejects.toThrow(TypeError);
    await expect(store.put('t', 1, { ttlSeconds: -1 })).rejects.toThrow(RangeError);
    await expect(store.put('t', 1, { ttlSeconds: Number.NaN })).rejects.toThrow(RangeError);
    const missing = new DynamoDbKvStore({ table: `${table}-missing`, client });
    await expect(missing.put('a', 1, { onlyIfAbsent: true })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('KeyValueCache on DynamoDB (the query cache of functions outside the VPC)', () => {
  it('stores strings under cache:, expires them by TTL and deletes them', async () => {
    const { store, advance } = storeAt();
    const cache = new KeyValueCache(store);
    await cache.set('query:1:abc', '{"results":[1]}', 60);
    expect(await cache.get('query:1:abc')).toBe('{"results":[1]}');
    expect(await store.get('cache:query:1:abc')).toBe('{"results":[1]}');
    advance(61_000);
    expect(await cache.get('query:1:abc')).toBeUndefined();
    await cache.set('query:1:def', 'x', 0.2); // rounded up to the store's 1 s granularity
    expect(await cache.get('query:1:def')).toBe('x');
    await cache.delete('query:1:def');
    expect(await cache.get('query:1:def')).toBeUndefined();
    await store.put('cache:not-a-string', { a: 1 });
    expect(await cache.get('not-a-string')).toBeUndefined();
  });
});
