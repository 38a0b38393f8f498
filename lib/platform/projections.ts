import { listAllTeams } from '../accounts/accounts-repository';
import { publishTeamToken } from '../accounts/token-directory';
import { FlagDefinitionsStore } from '../flags/flag-definitions';
import { backfillPersonsProjection } from '../flags/persons-backfill';
import type { Database } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { publishReplaySettings } from '../replay/published-replay-settings';
import { loadTeamReplaySettings } from '../replay/replay-settings';

/**
 * Publishes, for every team, what the functions that read only the key-value store need from
 * Postgres: the project token (capture, flags), the flag definitions (flags, remote config), the
 * replay settings (remote config, replay consumer) and the persons projection (flags). The API and
 * ingestion keep each current on every write; this backfills them — on AWS the migration custom
 * resource runs it on deploys that change the schema or the projection format, so teams and
 * persons that existed before a reader did are served at once. The persons backfill scans a team
 * once per projection format (persons-backfill.ts), not on every run. Answers the number of teams.
 */
export async function publishProjections(db: Database, kv: KeyValueStore): Promise<number> {
  const definitions = new FlagDefinitionsStore({ db, kv, ttlMs: 0 });
  const teams = await listAllTeams(db);
  for (const team of teams) {
    await publishTeamToken(kv, team);
    await definitions.refresh(team.id);
    const settings = await loadTeamReplaySettings(db, team.id);
    if (settings) await publishReplaySettings(kv, team.id, settings);
    await backfillPersonsProjection(db, kv, team.id);
  }
  return teams.length;
}
