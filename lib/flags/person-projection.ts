import type { GroupRow, PersonDistinctIdRow, PersonRow } from '../ingestion/records';
import type { PersonMerge } from '../persons/process-persons';
import type { KeyValueStore } from '../ports/key-value-store';
import type { FlagDataSource, FlagSubject, FlagSubjectQuery } from './flag-data-source';
import { didKey, groupKey, overridesKey, personKey, staticCohortsKey, unionOfIds, type Versioned } from './projection-keys';

/**
 * The persons and groups `/flags` needs, projected by ingestion into the key-value store
 * (DynamoDB on AWS) so that flag evaluation never waits on Aurora, which the lean profile lets
 * pause. Postgres stays the source of truth; the projection follows it batch by batch (keys in
 * projection-keys.ts). Static cohort members are written by the cohort API
 * (static-cohort-projection.ts); persons older than the projection by the backfill (persons-backfill.ts).
 */

/** One processed batch's person, distinct-id and group changes and merges. */
export interface ProjectedChanges {
  readonly persons: readonly PersonRow[];
  readonly distinctIds: readonly PersonDistinctIdRow[];
  readonly groups: readonly GroupRow[];
  readonly merges?: readonly PersonMerge[];
}

/** Writes one processed batch's changes into the projection. */
export async function projectPersons(kv: KeyValueStore, teamId: number, rows: ProjectedChanges): Promise<void> {
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
  // One after another: two merges into one survivor read and rewrite the same keys.
  for (const merge of rows.merges ?? []) await projectMerge(kv, teamId, merge);
}

/**
 * As Postgres's merge does: the merged-away person's hash-key overrides and static cohorts move
 * to the survivor, whose own override for a flag wins. The survivor's keys are written before the
 * merged person's are deleted, so a failure in between leaves an orphan, never a loss. Not atomic
 * against the flags function adding an override to either person at the same instant.
 */
async function projectMerge(kv: KeyValueStore, teamId: number, { from, into }: PersonMerge): Promise<void> {
  const [fromOverrides, intoOverrides, fromStatic, intoStatic] = await Promise.all([
    kv.get<Record<string, string>>(overridesKey(teamId, from)),
    kv.get<Record<string, string>>(overridesKey(teamId, into)),
    kv.get<number[]>(staticCohortsKey(teamId, from)),
    kv.get<number[]>(staticCohortsKey(teamId, into)),
  ]);
  const writes: Promise<unknown>[] = [];
  if (fromOverrides) writes.push(kv.put(overridesKey(teamId, into), { ...fromOverrides, ...intoOverrides }));
  if (fromStatic) writes.push(kv.put(staticCohortsKey(teamId, into), unionOfIds(intoStatic, fromStatic)));
  await Promise.all(writes);
  await Promise.all([fromOverrides && kv.delete(overridesKey(teamId, from)), fromStatic && kv.delete(staticCohortsKey(teamId, from))]);
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
    let subject: Pick<FlagSubject, 'personId' | 'personProperties' | 'staticCohortIds' | 'hashKeyOverrides'> = { personProperties: undefined, staticCohortIds: [], hashKeyOverrides: {} };
    const personRead = (async () => {
      if (!query.person) return;
      const uuid = await this.kv.get<string>(didKey(query.teamId, query.distinctId));
      if (!uuid) return;
      const [person, overrides, cohorts] = await Promise.all([
        this.kv.get<Versioned>(personKey(query.teamId, uuid)),
        this.kv.get<Record<string, string>>(overridesKey(query.teamId, uuid)),
        this.kv.get<number[]>(staticCohortsKey(query.teamId, uuid)),
      ]);
      subject = { personId: uuid, personProperties: person?.properties, staticCohortIds: cohorts ?? [], hashKeyOverrides: overrides ?? {} };
    })();
    await Promise.all([...groupReads, personRead]);
    return { ...subject, groupProperties: groups };
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
