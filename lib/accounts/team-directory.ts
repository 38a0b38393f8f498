import type { Sql } from '../ports/database';
import { findTeamById, type Team } from './accounts-repository';

/** Teams by id, cached in process for consumers that see the same few teams over and over. */
export class TeamDirectory {
  private readonly cache = new Map<number, { team: Team | undefined; expiresAt: number }>();

  constructor(
    private readonly db: Sql,
    private readonly ttlMs = 60_000,
  ) {}

  async byId(teamId: number): Promise<Team | undefined> {
    const hit = this.cache.get(teamId);
    if (hit && hit.expiresAt > Date.now()) return hit.team;
    const team = await findTeamById(this.db, teamId);
    this.cache.set(teamId, { team, expiresAt: Date.now() + (team ? this.ttlMs : 5_000) });
    return team;
  }
}
