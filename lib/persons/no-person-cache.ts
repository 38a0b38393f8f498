/**
 * Distinct ids recently seen without a person, so that batches of personless events (most of
 * posthog-js's anonymous traffic) need no database round trip. An id leaves the cache when this
 * process maps it to a person, and after `ttlMs`: another process (a merge elsewhere) may have
 * given it a person meanwhile, which only delays its events' person properties — the override
 * row that the merge wrote re-attributes them in ClickHouse either way.
 */
export class NoPersonCache {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly maxEntries = 200_000,
    private readonly ttlMs = 60_000,
  ) {}

  hasAll(teamId: number, distinctIds: Iterable<string>): boolean {
    const now = Date.now();
    for (const id of distinctIds) {
      const expiresAt = this.entries.get(`${teamId}:${id}`);
      if (expiresAt === undefined || expiresAt < now) return false;
    }
    return true;
  }

  add(teamId: number, distinctIds: Iterable<string>): void {
    const expiresAt = Date.now() + this.ttlMs;
    for (const id of distinctIds) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(`${teamId}:${id}`, expiresAt);
    }
  }

  delete(teamId: number, distinctIds: Iterable<string>): void {
    for (const id of distinctIds) this.entries.delete(`${teamId}:${id}`);
  }
}
