import type { FlagDataSource, FlagSubject, FlagSubjectQuery } from './flag-data-source';

export interface SubjectChanges {
  /** Distinct ids whose mapping changed. */
  readonly distinctIds?: readonly string[];
  /** Person uuids whose properties changed (or that were deleted or merged away). */
  readonly personIds?: readonly string[];
  /** Groups whose properties changed. */
  readonly groups?: readonly { readonly index: number; readonly key: string }[];
}

interface Entry {
  readonly subject: FlagSubject;
  readonly expiresAt: number;
  readonly tags: readonly string[];
}

/**
 * A per-process cache of `/flags` subjects in front of another data source, for the local server
 * where ingestion runs in the same process and can say exactly what changed: `/flags` then
 * answers repeat callers without a database round trip. Entries are forgotten when ingestion
 * reports a change to their distinct id, person or group (`forget`), when the team's definitions
 * change (static cohort membership), when a hash-key override is written, and after `ttlMs` in
 * any case. At most `maxEntries` are kept (least recently used out first).
 */
export class CachedFlagDataSource implements FlagDataSource {
  private readonly entries = new Map<string, Entry>();
  /** tag (`t:<team>:d:<id>`, `t:<team>:p:<uuid>`, `t:<team>:g:<index>:<key>`) → entry keys */
  private readonly byTag = new Map<string, Set<string>>();

  constructor(
    private readonly source: FlagDataSource,
    private readonly options: { readonly ttlMs?: number; readonly maxEntries?: number } = {},
  ) {}

  async load(query: FlagSubjectQuery): Promise<FlagSubject> {
    const key = JSON.stringify([query.teamId, query.distinctId, query.person, query.groups.map((g) => [g.index, g.key])]);
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > Date.now()) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.subject;
    }
    if (hit) this.drop(key);
    const subject = await this.source.load(query);
    const team = `t:${query.teamId}`;
    const tags = [`${team}:d:${query.distinctId}`, ...query.groups.map((g) => `${team}:g:${g.index}:${g.key}`)];
    if (subject.personId) tags.push(`${team}:p:${subject.personId}`);
    this.entries.set(key, { subject, expiresAt: Date.now() + (this.options.ttlMs ?? 60_000), tags });
    for (const tag of tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    if (this.entries.size > (this.options.maxEntries ?? 100_000)) this.drop(this.entries.keys().next().value!);
    return subject;
  }

  async addHashKeyOverrides(teamId: number, distinctId: string, hashKey: string, flagKeys: readonly string[]): Promise<Record<string, string>> {
    const overrides = await this.source.addHashKeyOverrides(teamId, distinctId, hashKey, flagKeys);
    this.forget(teamId, { distinctIds: [distinctId] });
    return overrides;
  }

  /** Forgets the answers that the given changes may have made stale. */
  forget(teamId: number, changes: SubjectChanges): void {
    const team = `t:${teamId}`;
    const tags = [
      ...(changes.distinctIds ?? []).map((d) => `${team}:d:${d}`),
      ...(changes.personIds ?? []).map((p) => `${team}:p:${p}`),
      ...(changes.groups ?? []).map((g) => `${team}:g:${g.index}:${g.key}`),
    ];
    for (const tag of tags) for (const key of this.byTag.get(tag) ?? []) this.drop(key);
  }

  /** Forgets every answer of a team (e.g. static cohort membership changed). */
  forgetTeam(teamId: number): void {
    const prefix = JSON.stringify([teamId]).slice(0, -1) + ',';
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.drop(key);
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }
}
