import { toClickHouseTime } from '../clickhouse/time';
import type { GroupRow } from '../ingestion/records';
import type { Database, Sql } from '../ports/database';
import { assignGroupType, loadGroupTypes, loadGroups, upsertGroups, type StoredGroup } from './group-repository';
import type { Properties } from './property-updates';

export interface GroupEventInput {
  /** `$groups` of the event: group type → group key. */
  readonly groups: Readonly<Record<string, string>>;
  /** Set on `$groupidentify` events. */
  readonly identify?: { readonly type: string; readonly key: string; readonly set: Properties };
  readonly timestamp: string;
}

/** The group columns of one event. */
export interface GroupsOnEvent {
  /** `$group_N` → key, to add to the event's properties. */
  readonly groupProperties: Record<string, string>;
  /** `groupN_properties` (JSON) and `groupN_created_at`, N = 0..4. */
  readonly properties: string[];
  readonly createdAt: string[];
}

const EMPTY_TIME = '1970-01-01 00:00:00.000';
export const NO_GROUPS: GroupsOnEvent = Object.freeze({ groupProperties: {}, properties: ['', '', '', '', ''], createdAt: Array(5).fill(EMPTY_TIME) });

/** Group type → index per team, loaded once and refreshed when an unknown type shows up. */
export class GroupTypeCache {
  private readonly teams = new Map<number, { types: Map<string, number>; loadedAt: number }>();
  constructor(private readonly ttlMs = 60_000) {}

  async indexOf(db: Sql, teamId: number, type: string): Promise<number | undefined> {
    let entry = this.teams.get(teamId);
    if (!entry || Date.now() - entry.loadedAt > this.ttlMs) {
      entry = { types: await loadGroupTypes(db, teamId), loadedAt: Date.now() };
      this.teams.set(teamId, entry);
    }
    if (entry.types.has(type)) return entry.types.get(type);
    const index = await assignGroupType(db, teamId, type);
    if (index !== undefined) entry.types.set(type, index);
    return index;
  }
}

/**
 * Groups for one team's events (contract §2.6): map group types to indexes (at most five),
 * apply `$groupidentify` updates in order, and give every event its group columns.
 */
export async function processGroups(
  db: Database,
  teamId: number,
  inputs: readonly GroupEventInput[],
  types: GroupTypeCache,
): Promise<{ events: GroupsOnEvent[]; groups: GroupRow[] }> {
  if (!inputs.some((i) => i.identify || Object.keys(i.groups).length > 0)) return { events: inputs.map(() => NO_GROUPS), groups: [] };

  const indexed = [];
  for (const input of inputs) {
    const refs: { index: number; key: string }[] = [];
    for (const [type, key] of Object.entries(input.groups)) {
      const index = await types.indexOf(db, teamId, type);
      if (index !== undefined) refs.push({ index, key });
    }
    const identifyIndex = input.identify ? await types.indexOf(db, teamId, input.identify.type) : undefined;
    indexed.push({ input, refs, identifyIndex });
  }

  const id = (index: number, key: string) => `${index}:${key}`;
  const wanted = new Map<string, { index: number; key: string }>();
  for (const { input, refs, identifyIndex } of indexed) {
    for (const r of refs) wanted.set(id(r.index, r.key), r);
    if (identifyIndex !== undefined) wanted.set(id(identifyIndex, input.identify!.key), { index: identifyIndex, key: input.identify!.key });
  }
  const state = new Map<string, { properties: Properties; createdAt: string; json?: string }>();
  for (const g of await loadGroups(db, teamId, [...wanted.values()])) state.set(id(g.index, g.key), { properties: g.properties, createdAt: g.createdAt });

  const changes = new Map<string, { index: number; key: string; set: Properties; createdAt: string }>();
  const events = indexed.map(({ input, refs, identifyIndex }) => {
    if (identifyIndex !== undefined) {
      const k = id(identifyIndex, input.identify!.key);
      const current = state.get(k) ?? { properties: {}, createdAt: input.timestamp };
      state.set(k, { properties: { ...current.properties, ...input.identify!.set }, createdAt: current.createdAt });
      const change = changes.get(k) ?? { index: identifyIndex, key: input.identify!.key, set: {}, createdAt: current.createdAt };
      Object.assign(change.set, input.identify!.set);
      changes.set(k, change);
    }
    const out = { groupProperties: {} as Record<string, string>, properties: [...NO_GROUPS.properties], createdAt: [...NO_GROUPS.createdAt] };
    for (const r of refs) {
      out.groupProperties[`$group_${r.index}`] = r.key;
      const g = state.get(id(r.index, r.key));
      if (g) {
        out.properties[r.index] = g.json ??= JSON.stringify(g.properties);
        out.createdAt[r.index] = toClickHouseTime(g.createdAt);
      }
    }
    return out;
  });

  const stored: StoredGroup[] = await db.transaction((tx) => upsertGroups(tx, teamId, [...changes.values()]));
  const groups = stored.map((g) => ({
    team_id: teamId,
    group_type_index: g.index,
    group_key: g.key,
    group_properties: JSON.stringify(g.properties),
    created_at: toClickHouseTime(g.createdAt),
    version: g.version,
  }));
  return { events, groups };
}
