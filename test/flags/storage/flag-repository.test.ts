import { createOrganization, createUser } from '../../../lib/accounts/accounts-repository';
import {
  findFlag,
  flagsVersionStamp,
  insertFlag,
  listActiveFlags,
  listFlags,
  listFlagVersions,
  updateFlag,
  type FlagFields,
} from '../../../lib/flags/flag-repository';
import { assignGroupType } from '../../../lib/persons/group-repository';
import type { Database } from '../../../lib/ports/database';
import { databaseEngines } from '../../support/databases';
import { insertTestTeam } from '../../support/teams';

const fields = (key: string, extra: Partial<FlagFields> = {}): FlagFields => ({
  key,
  name: `Flag ${key}`,
  filters: { groups: [{ properties: [], rollout_percentage: 50 }] },
  active: true,
  deleted: false,
  ensure_experience_continuity: false,
  has_encrypted_payloads: false,
  evaluation_runtime: 'all',
  evaluation_tags: [],
  tags: [],
  bucketing_identifier: 'distinct_id',
  ...extra,
});

describe.each(databaseEngines())('flag repository on %s', (_engine, open) => {
  let db: Database;
  let teamId: number;
  let userId: number;
  beforeAll(async () => {
    db = await open();
    const org = await createOrganization(db, 'Flags org');
    userId = (await createUser(db, { email: `flags-${Date.now()}@example.com`, organizationId: org.id, firstName: 'Ada' })).id;
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    ({ teamId } = await insertTestTeam(db));
  });

  it('creates a flag at version 1 with its filters, flags and creator, and finds it', async () => {
    const filters = {
      groups: [{ properties: [{ key: 'email', type: 'person', value: 'Zoë 🚀', operator: 'icontains' }], rollout_percentage: 12.5, variant: 'test' }],
      multivariate: { variants: [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 50 }] },
      payloads: { test: '{"a":1}' },
    };
    const created = await db.transaction((tx) =>
      insertFlag(tx, teamId, fields('beta', { filters, ensure_experience_continuity: true, evaluation_runtime: 'server', evaluation_tags: ['web'], bucketing_identifier: 'device_id' }), userId),
    );
    expect(created).toMatchObject({
      team_id: teamId,
      key: 'beta',
      name: 'Flag beta',
      version: 1,
      active: true,
      deleted: false,
      ensure_experience_continuity: true,
      evaluation_runtime: 'server',
      evaluation_tags: ['web'],
      bucketing_identifier: 'device_id',
      filters,
      createdBy: { id: userId, first_name: 'Ada' },
      lastModifiedBy: { id: userId },
    });
    expect(new Date(created.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await findFlag(db, teamId, created.id)).toEqual(created);
    expect(await findFlag(db, teamId + 1, created.id)).toBeUndefined();
  });

  it('saves every update as the next version and keeps each version whole', async () => {
    const flag = await db.transaction((tx) => insertFlag(tx, teamId, fields('history'), userId));
    const v2 = await db.transaction((tx) => updateFlag(tx, teamId, flag.id, fields('history', { active: false }), null, 'updated'));
    const v3 = await db.transaction((tx) => updateFlag(tx, teamId, flag.id, fields('history', { deleted: true }), userId, 'deleted'));
    expect([v2?.version, v2?.active, v2?.lastModifiedBy]).toEqual([2, false, null]);
    expect(v3?.version).toBe(3);
    const { count, versions } = await listFlagVersions(db, teamId, flag.id, { limit: 2, offset: 0 });
    expect(count).toBe(3);
    expect(versions.map((v) => [v.version, v.activity, v.definition.active, v.definition.deleted])).toEqual([
      [3, 'deleted', true, true],
      [2, 'updated', false, false],
    ]);
    expect(versions[0].createdBy?.id).toBe(userId);
    expect(versions[1].createdBy).toBeNull();
    const oldest = await listFlagVersions(db, teamId, flag.id, { limit: 2, offset: 2 });
    expect(oldest.versions.map((v) => [v.version, v.activity, v.definition.key])).toEqual([[1, 'created', 'history']]);
    expect(await db.transaction((tx) => updateFlag(tx, teamId, 999_999, fields('x'), null, 'updated'))).toBeUndefined();
  });

  it('keeps keys unique among live flags only: a soft-deleted flag frees its key', async () => {
    const first = await db.transaction((tx) => insertFlag(tx, teamId, fields('reused'), userId));
    await expect(db.transaction((tx) => insertFlag(tx, teamId, fields('reused'), userId))).rejects.toMatchObject({ code: '23505' });
    await db.transaction((tx) => updateFlag(tx, teamId, first.id, fields('reused', { deleted: true }), userId, 'deleted'));
    const second = await db.transaction((tx) => insertFlag(tx, teamId, fields('reused'), userId));
    expect(second.id).not.toBe(first.id);
    // Restoring the first now collides with the live one.
    await expect(db.transaction((tx) => updateFlag(tx, teamId, first.id, fields('reused'), userId, 'restored'))).rejects.toMatchObject({ code: '23505' });
    // Another team may use the key.
    const other = await insertTestTeam(db);
    await db.transaction((tx) => insertFlag(tx, other.teamId, fields('reused'), userId));
  });

  it('lists live flags for evaluation (inactive included, deleted not) by key, in the evaluators\' shape', async () => {
    for (const key of ['c-flag', 'a-flag', 'b-flag']) await db.transaction((tx) => insertFlag(tx, teamId, fields(key, { active: key !== 'b-flag' }), userId));
    const gone = await db.transaction((tx) => insertFlag(tx, teamId, fields('d-flag'), userId));
    await db.transaction((tx) => updateFlag(tx, teamId, gone.id, fields('d-flag', { deleted: true }), userId, 'deleted'));
    const flags = await listActiveFlags(db, teamId);
    expect(flags.map((f) => [f.key, f.active])).toEqual([
      ['a-flag', true],
      ['b-flag', false],
      ['c-flag', true],
    ]);
    expect(Object.keys(flags[0]).sort()).toEqual(
      ['active', 'bucketing_identifier', 'deleted', 'ensure_experience_continuity', 'evaluation_runtime', 'evaluation_tags', 'filters', 'has_encrypted_payloads', 'id', 'key', 'name', 'team_id', 'version'].sort(),
    );
  });

  it('pages, searches (key or name, case-insensitive, wildcards literal) and filters by active', async () => {
    for (const key of ['alpha', 'beta', 'gamma_100', 'gamma-x']) await db.transaction((tx) => insertFlag(tx, teamId, fields(key, { active: key !== 'beta' }), userId));
    const all = await listFlags(db, teamId, { limit: 2, offset: 0 });
    expect(all.count).toBe(4);
    expect(all.flags.map((f) => f.key)).toEqual(['gamma-x', 'gamma_100']);
    expect((await listFlags(db, teamId, { limit: 10, offset: 3 })).flags.map((f) => f.key)).toEqual(['alpha']);
    expect((await listFlags(db, teamId, { limit: 10, offset: 0, search: 'GAMMA' })).count).toBe(2);
    expect((await listFlags(db, teamId, { limit: 10, offset: 0, search: 'a_1' })).flags.map((f) => f.key)).toEqual(['gamma_100']);
    expect((await listFlags(db, teamId, { limit: 10, offset: 0, search: 'flag BETA' })).flags.map((f) => f.key)).toEqual(['beta']);
    expect((await listFlags(db, teamId, { limit: 10, offset: 0, active: false })).flags.map((f) => f.key)).toEqual(['beta']);
    expect((await listFlags(db, teamId, { limit: 10, offset: 0, active: true })).count).toBe(3);
  });

  it('changes the definitions stamp on every flag save and when a group type appears', async () => {
    const s0 = await flagsVersionStamp(db, teamId);
    const flag = await db.transaction((tx) => insertFlag(tx, teamId, fields('stamped'), userId));
    const s1 = await flagsVersionStamp(db, teamId);
    await db.transaction((tx) => updateFlag(tx, teamId, flag.id, fields('stamped', { active: false }), userId, 'updated'));
    const s2 = await flagsVersionStamp(db, teamId);
    await assignGroupType(db, teamId, 'company');
    const s3 = await flagsVersionStamp(db, teamId);
    expect(new Set([s0, s1, s2, s3]).size).toBe(4);
    expect(await flagsVersionStamp(db, teamId)).toBe(s3);
    const other = await insertTestTeam(db);
    expect(await flagsVersionStamp(db, other.teamId)).toBe(s0);
  });
});
