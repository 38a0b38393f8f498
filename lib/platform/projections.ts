import { listAllTeams } from '../accounts/accounts-repository';
import { publishTeamToken } from '../accounts/token-directory';
import { FlagDefinitionsStore } from '../flags/flag-definitions';
import type { Database } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { publishReplaySettings } from '../replay/published-replay-settings';
import { loadTeamReplaySettings } from '../replay/replay-settings';

/**
 * Publishes, for every team, what the functions that read only the key-value store need from
 * Postgres: the project token (capture, flags), the flag definitions (flags, remote config) and
 * the replay settings (remote config, replay consumer). The API keeps each current on every write;
 * this backfills them — on AWS the migration custom resource runs it on deploys that change the
 * schema, so teams that existed before a reader did are served at once. The persons projection is
 * not backfilled: ingestion fills it as persons are seen. Answers the number of teams published.
 */
export async function publishProjections(db: Database, kv: KeyValueStore): Promise<number> {
  const definitions = new FlagDefinitionsStore({ db, kv, ttlMs: 0 });
  const teams = await listAllTeams(db);
  for (const team of teams) {
    await publishTeamToken(kv, team);
    await definitions.refresh(team.id);
    const settings = await loadTeamReplaySettings(db, team.id);
    if (settings) await publishReplaySettings(kv, team.id, settings);
  }
  return teams.length;
}
