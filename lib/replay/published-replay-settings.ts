import type { KeyValueStore } from '../ports/key-value-store';
import { DEFAULT_RETENTION_DAYS, isRetentionPeriod } from './block-key';
import { cachePerTeam, sessionRecordingConfig, type SessionRecordingSettings, type TeamReplaySettings } from './replay-settings';

/**
 * A team's replay settings published in the key-value store (DynamoDB on AWS), so that the flags
 * function (remote config) and the replay consumer read them with neither the VPC nor a possibly
 * paused Aurora. Postgres stays the source of truth: whoever changes the settings there (the API's
 * PATCH of the project) publishes the result here.
 *
 *   replay-settings:<team> → { optIn, retentionDays }
 *
 * A team never published is off (Postgres' default for session_recording_opt_in).
 */
const settingsKey = (teamId: number) => `replay-settings:${teamId}`;

const OFF: TeamReplaySettings = { optIn: false, retentionDays: DEFAULT_RETENTION_DAYS };

export async function publishReplaySettings(kv: KeyValueStore, teamId: number, settings: TeamReplaySettings): Promise<void> {
  await kv.put(settingsKey(teamId), { optIn: settings.optIn, retentionDays: settings.retentionDays });
}

export async function readPublishedReplaySettings(kv: KeyValueStore, teamId: number): Promise<TeamReplaySettings> {
  const stored = await kv.get<{ optIn?: unknown; retentionDays?: unknown }>(settingsKey(teamId));
  if (!stored) return OFF;
  return { optIn: stored.optIn === true, retentionDays: isRetentionPeriod(stored.retentionDays) ? stored.retentionDays : DEFAULT_RETENTION_DAYS };
}

export interface PublishedReplaySettings extends SessionRecordingSettings {
  /** The team's opt-in and retention (the replay consumer's view). */
  get(teamId: number): Promise<TeamReplaySettings>;
}

/** The published settings, cached per team for `ttlMs` (the remote config is served with max-age 60 anyway). */
export function createPublishedReplaySettings(kv: KeyValueStore, options: { ttlMs?: number } = {}): PublishedReplaySettings {
  const cache = cachePerTeam((teamId) => readPublishedReplaySettings(kv, teamId), options.ttlMs ?? 10_000);
  return {
    get: (teamId) => cache.get(teamId),
    async sessionRecording(teamId) {
      return (await cache.get(teamId)).optIn ? sessionRecordingConfig() : false;
    },
    forget: (teamId) => cache.forget(teamId),
  };
}
