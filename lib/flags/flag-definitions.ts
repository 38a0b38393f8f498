import { createHash } from 'node:crypto';
import { loadGroupTypes } from '../persons/group-repository';
import type { Database } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { listCohorts } from './cohort-repository';
import { listActiveFlags } from './flag-repository';
import type { Cohort, FeatureFlag } from './types';

/** A team's flag definitions as the evaluators need them. */
export interface TeamFlagDefinitions {
  readonly flags: readonly FeatureFlag[];
  readonly cohorts: ReadonlyMap<number, Cohort>;
  /** group type index → name */
  readonly groupTypes: ReadonlyMap<number, string>;
  /** Changes whenever the definitions change (ETag of the local-evaluation endpoints). */
  readonly stamp: string;
}

interface Snapshot {
  flags: FeatureFlag[];
  cohorts: Cohort[];
  groupTypes: [number, string][];
  stamp: string;
}

const snapshotKey = (teamId: number) => `flag-definitions:${teamId}`;

/**
 * Flag definitions per team, for the evaluators. Postgres is the source of truth; every write
 * through the API calls `refresh`, which rebuilds the team's snapshot and publishes it in the
 * key-value store (DynamoDB on AWS), where every flags process reads it — so `/flags` needs
 * neither the VPC nor a possibly paused Aurora. Each process keeps what it read for `ttlMs`.
 */
export class FlagDefinitionsStore {
  private readonly local = new Map<number, { defs: TeamFlagDefinitions; expiresAt: number }>();

  constructor(
    private readonly deps: { readonly db?: Database; readonly kv: KeyValueStore; readonly ttlMs?: number },
  ) {}

  async get(teamId: number): Promise<TeamFlagDefinitions> {
    const hit = this.local.get(teamId);
    if (hit && hit.expiresAt > Date.now()) return hit.defs;
    const snapshot = (await this.deps.kv.get<Snapshot>(snapshotKey(teamId))) ?? (await this.rebuild(teamId));
    return this.remember(teamId, snapshot);
  }

  /** Rebuilds the team's snapshot from Postgres and publishes it (call after every definition change). */
  async refresh(teamId: number): Promise<TeamFlagDefinitions> {
    return this.remember(teamId, await this.rebuild(teamId));
  }

  private async rebuild(teamId: number): Promise<Snapshot> {
    const db = this.deps.db;
    if (!db) return { flags: [], cohorts: [], groupTypes: [], stamp: 'empty' };
    const [flags, cohorts, groupTypes] = await Promise.all([listActiveFlags(db, teamId), listCohorts(db, teamId), loadGroupTypes(db, teamId)]);
    const snapshot: Snapshot = {
      flags,
      cohorts,
      groupTypes: [...groupTypes].map(([name, index]) => [index, name]),
      stamp: stampOf(flags, cohorts, groupTypes),
    };
    await this.deps.kv.put(snapshotKey(teamId), snapshot);
    return snapshot;
  }

  private remember(teamId: number, snapshot: Snapshot): TeamFlagDefinitions {
    // Unchanged definitions keep their objects: the evaluators cache their plan per snapshot
    // object (evaluation/per-flag-set.ts), and rebuilding it at every re-read stalled /flags.
    const current = this.local.get(teamId)?.defs;
    const defs: TeamFlagDefinitions =
      current?.stamp === snapshot.stamp
        ? current
        : {
            flags: snapshot.flags,
            cohorts: new Map(snapshot.cohorts.map((c) => [c.id, c])),
            groupTypes: new Map(snapshot.groupTypes),
            stamp: snapshot.stamp,
          };
    this.local.set(teamId, { defs, expiresAt: Date.now() + (this.deps.ttlMs ?? 2_000) });
    return defs;
  }
}

/** A digest of everything served: any change to a flag, cohort or group type changes it. */
function stampOf(flags: readonly FeatureFlag[], cohorts: readonly Cohort[], groupTypes: ReadonlyMap<string, number>): string {
  return createHash('sha1').update(JSON.stringify([flags, cohorts, [...groupTypes]])).digest('hex').slice(0, 20);
}
