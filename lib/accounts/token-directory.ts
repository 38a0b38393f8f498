import type { KeyValueStore } from '../ports/key-value-store';
import type { Team } from './accounts-repository';
import type { TeamRef, TokenLookup } from './token-lookup';

/**
 * The capture-side projection of project tokens: token → team in the key-value store
 * (DynamoDB on AWS), so capture needs neither the VPC nor Postgres. Postgres stays the source
 * of truth; every team write publishes here.
 */
const tokenKey = (token: string) => `team-token:${token}`;

export async function publishTeamToken(kv: KeyValueStore, team: Pick<Team, 'id' | 'apiToken'>): Promise<void> {
  const ref: TeamRef = { teamId: team.id, token: team.apiToken };
  await kv.put(tokenKey(team.apiToken), ref);
}

export async function unpublishTeamToken(kv: KeyValueStore, token: string): Promise<void> {
  await kv.delete(tokenKey(token));
}

/**
 * A TokenLookup over the key-value store with an in-process cache: known tokens for `ttlMs`,
 * unknown ones for `negativeTtlMs` (so a new project's token works within seconds).
 */
export function createTokenLookup(kv: KeyValueStore, options: { ttlMs?: number; negativeTtlMs?: number } = {}): TokenLookup {
  const ttl = options.ttlMs ?? 60_000;
  const negativeTtl = options.negativeTtlMs ?? 5_000;
  const cache = new Map<string, { ref: TeamRef | undefined; expiresAt: number }>();
  return {
    async lookup(token) {
      const now = Date.now();
      const hit = cache.get(token);
      if (hit && hit.expiresAt > now) return hit.ref;
      const ref = await kv.get<TeamRef>(tokenKey(token));
      if (cache.size > 10_000) cache.clear();
      cache.set(token, { ref, expiresAt: now + (ref ? ttl : negativeTtl) });
      return ref;
    },
  };
}
