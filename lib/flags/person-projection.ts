import type { GroupRow, PersonDistinctIdRow, PersonRow } from '../ingestion/records';
import type { KeyValueStore } from '../ports/key-value-store';
import type { FlagDataSource, FlagSubject, FlagSubjectQuery } from './flag-data-source';

/**
 * The persons and groups `/flags` needs, projected by ingestion into the key-value store
 * (DynamoDB on AWS) so that flag evaluation never waits on Aurora, which the lean profile lets
 * pause. Postgres stays the source of truth; the projection follows it batch by batch.
 *
 *   flags-did:<team>:<distinct_id>      → person uuid
 *   flags-person:<team>:<person uuid>   → { properties, version }
 *   flags-group:<team>:<index>:<key>    → { properties, version }
 *   flags-overrides:<team>:<person uuid> → { flag key: hash key }
 */
const didKey = (team: number, distinctId: string) => `flags-did:${team}:${distinctId}`;
const personKey = (team: number, uuid: string) => `flags-person:${team}:${uuid}`;
const groupKey = (team: number, index: number, key: string) => `flags-group:${team}:${index}:${key}`;
const overridesKey = (team: number, uuid: string) => `flags-overrides:${team}:${uuid}`;

interface Versioned {
  readonly properties: Record<string, unknown>;
  readonly version: number;
}

/** Writes one processed batch's person, distinct-id and group changes into the projection. */
export async function projectPersons(
  kv: KeyValueStore,
  teamId: number,
  rows: { readonly persons: readonly PersonRow[]; readonly distinctIds: readonly PersonDistinctIdRow[]; readonly groups: readonly GroupRow[] },
): Promise<void> {
  const writes: Promise<unknown>[] = [];
  for (const p of rows.persons) {
    if (p.is_deleted) writes.push(kv.delete(personKey(teamId, p.id)));
    else writes.push(kv.put(personKey(teamId, p.id), { properties: JSON.parse(p.properties), version: p.version } satisfies Versioned));
  }
  for (const d of rows.distinctIds) writes.push(kv.put(didKey(teamId, d.distinct_id), d.person_id));
  for (const g of rows.groups) {
    writes.push(kv.put(groupKey(teamId, g.group_type_index, g.group_key), { properties: JSON.parse(g.group_properties), version: g.version } satisfies Versioned));
  }
  await Promise.all(writes);
}

/** `/flags` reading persons and groups from the projection (no database). */
export class ProjectedFlagDataSource implements FlagDataSource {
  constructor(private readonly kv: KeyValueStore) {}

  async load(query: FlagSubjectQuery): Promise<FlagSubject> {
    const groups = new Map<string, Record<string, unknown>>();
    const groupReads = query.groups.map(async (g) => {
      const stored = await this.kv.get<Versioned>(groupKey(query.teamId, g.index, g.key));
      if (stored) groups.set(`${g.index}:${g.key}`, stored.properties);
    });
    let personProperties: Record<string, unknown> | undefined;
    let hashKeyOverrides: Record<string, string> = {};
    const personRead = (async () => {
      if (!query.person) return;
      const uuid = await this.kv.get<string>(didKey(query.teamId, query.distinctId));
      if (!uuid) return;
      const [person, overrides] = await Promise.all([
        this.kv.get<Versioned>(personKey(query.teamId, uuid)),
        this.kv.get<Record<string, string>>(overridesKey(query.teamId, uuid)),
      ]);
      personProperties = person?.properties;
      hashKeyOverrides = overrides ?? {};
    })();
    await Promise.all([...groupReads, personRead]);
    // Static cohort membership is not projected: static cohorts are evaluated as "not a member".
    return { personProperties, staticCohortIds: [], hashKeyOverrides, groupProperties: groups };
  }

  async addHashKeyOverrides(teamId: number, distinctId: string, hashKey: string, flagKeys: readonly string[]): Promise<Record<string, string>> {
    const uuid = await this.kv.get<string>(didKey(teamId, distinctId));
    if (!uuid) return {};
    const current = (await this.kv.get<Record<string, string>>(overridesKey(teamId, uuid))) ?? {};
    const next = { ...current };
    for (const key of flagKeys) next[key] ??= hashKey;
    await this.kv.put(overridesKey(teamId, uuid), next);
    return next;
  }
}
