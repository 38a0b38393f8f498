import type { Sql } from '../ports/database';
import { DEFAULT_RETENTION_DAYS, isRetentionPeriod, type RetentionPeriodDays } from './block-key';

/** A project's replay settings (posthog_team columns of Postgres migration 4). */
export interface TeamReplaySettings {
  readonly optIn: boolean;
  readonly retentionDays: RetentionPeriodDays;
}

/** The settings of a team, or undefined when there is no such team. */
export async function loadTeamReplaySettings(db: Sql, teamId: number): Promise<TeamReplaySettings | undefined> {
  const { rows } = await db.query<{ opt_in: boolean | string; retention: number | string }>(
    'SELECT session_recording_opt_in AS opt_in, session_recording_retention_period_days AS retention FROM posthog_team WHERE id = $1',
    [teamId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const retention = Number(row.retention);
  return { optIn: row.opt_in === true || row.opt_in === 't' || row.opt_in === 'true', retentionDays: isRetentionPeriod(retention) ? retention : DEFAULT_RETENTION_DAYS };
}

export interface ReplaySettingsUpdate {
  readonly optIn?: boolean;
  readonly retentionDays?: RetentionPeriodDays;
}

export async function updateTeamReplaySettings(db: Sql, teamId: number, update: ReplaySettingsUpdate): Promise<TeamReplaySettings | undefined> {
  const { rows } = await db.query<{ opt_in: boolean | string; retention: number | string }>(
    `UPDATE posthog_team
        SET session_recording_opt_in = COALESCE($2::boolean, session_recording_opt_in),
            session_recording_retention_period_days = COALESCE($3::integer, session_recording_retention_period_days),
            updated_at = now()
      WHERE id = $1
  RETURNING session_recording_opt_in AS opt_in, session_recording_retention_period_days AS retention`,
    [teamId, update.optIn ?? null, update.retentionDays ?? null],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { optIn: row.opt_in === true || row.opt_in === 't' || row.opt_in === 'true', retentionDays: Number(row.retention) as RetentionPeriodDays };
}

/** A per-team cache of a lookup, for `ttlMs` (misses and failures are not cached). */
export function cachePerTeam<T>(load: (teamId: number) => Promise<T>, ttlMs: number) {
  const cache = new Map<number, { value: T; expiresAt: number }>();
  return {
    async get(teamId: number): Promise<T> {
      const hit = cache.get(teamId);
      if (hit && hit.expiresAt > Date.now()) return hit.value;
      const value = await load(teamId);
      if (cache.size > 10_000) cache.clear();
      cache.set(teamId, { value, expiresAt: Date.now() + ttlMs });
      return value;
    },
    forget(teamId?: number): void {
      if (teamId === undefined) cache.clear();
      else cache.delete(teamId);
    },
  };
}

/**
 * The `sessionRecording` object of the remote config (contract §4.1) that turns posthog-js'
 * recorder on, sending to `/s/` with console logs, the v2 recorder, no sampling or triggers.
 */
export function sessionRecordingConfig(): Record<string, unknown> {
  return {
    endpoint: '/s/',
    consoleLogRecordingEnabled: true,
    recorderVersion: 'v2',
    sampleRate: null,
    minimumDurationMilliseconds: null,
    linkedFlag: null,
    networkPayloadCapture: null,
    masking: null,
    urlTriggers: [],
    urlBlocklist: [],
    eventTriggers: [],
    triggerMatchType: null,
    scriptConfig: null,
    recordCanvas: false,
    canvasFps: null,
    canvasQuality: null,
  };
}

export interface SessionRecordingSettings {
  /** The remote config's `sessionRecording`: false unless the project opted in. */
  sessionRecording(teamId: number): Promise<false | Record<string, unknown>>;
  /** Drops a team's cached answer (call after its settings change). */
  forget(teamId?: number): void;
}

/**
 * The remote-config side of the settings (fits lib/flags/remote-config.ts `RemoteConfigSettings`),
 * cached per team for `ttlMs` (the config itself is served with max-age 60).
 */
export function createSessionRecordingSettings(db: Sql, options: { ttlMs?: number } = {}): SessionRecordingSettings {
  const cache = cachePerTeam((teamId) => loadTeamReplaySettings(db, teamId), options.ttlMs ?? 10_000);
  return {
    async sessionRecording(teamId) {
      const settings = await cache.get(teamId);
      return settings?.optIn ? sessionRecordingConfig() : false;
    },
    forget: (teamId) => cache.forget(teamId),
  };
}
