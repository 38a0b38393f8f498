/**
 * The session replay section of a project's settings (project-settings.ts):
 * `session_recording_opt_in` (boolean) and `session_recording_retention_period` ("30d" | "90d" |
 * "1y" | "5y", PostHog's field) or `session_recording_retention_period_days` (30 | 90 | 365 | 1825).
 */
import { BadRequestError, describeValue, NotFoundError } from '../http/errors';
import type { Sql } from '../ports/database';
import { RETENTION_PERIODS_DAYS, isRetentionPeriod, type RetentionPeriodDays } from '../replay/block-key';
import { loadTeamReplaySettings, updateTeamReplaySettings, type TeamReplaySettings } from '../replay/replay-settings';
import type { ProjectSettingsSection } from './project-settings';

/** PostHog's `session_recording_retention_period` values ↔ days. */
const RETENTION_NAMES: Record<string, RetentionPeriodDays> = { '30d': 30, '90d': 90, '1y': 365, '5y': 1825 };
const retentionName = (days: number) => Object.keys(RETENTION_NAMES).find((k) => RETENTION_NAMES[k] === days) ?? `${days}d`;

const shown = (settings: TeamReplaySettings) => ({
  session_recording_opt_in: settings.optIn,
  session_recording_retention_period: retentionName(settings.retentionDays),
  session_recording_retention_period_days: settings.retentionDays,
});

export function replayProjectSettings(deps: {
  readonly db: Sql;
  /** Called after a project's replay settings changed (e.g. to drop the remote-config cache). */
  readonly onReplaySettingsChanged?: (teamId: number) => void | Promise<void>;
}): ProjectSettingsSection {
  const fields = ['session_recording_opt_in', 'session_recording_retention_period', 'session_recording_retention_period_days'];
  const load = async (teamId: number) => {
    const settings = await loadTeamReplaySettings(deps.db, teamId);
    if (!settings) throw new NotFoundError('Project not found.');
    return settings;
  };
  return {
    fields,
    validate(patch) {
      const optIn = patch.session_recording_opt_in;
      if (optIn !== undefined && typeof optIn !== 'boolean') throw new BadRequestError('invalid_input', 'Must be a boolean.', 'session_recording_opt_in');
      const name = patch.session_recording_retention_period;
      if (name !== undefined && (typeof name !== 'string' || !Object.hasOwn(RETENTION_NAMES, name))) {
        throw new BadRequestError('invalid_choice', `"${describeValue(name)}" is not a valid choice (30d, 90d, 1y, 5y).`, 'session_recording_retention_period');
      }
      const days = patch.session_recording_retention_period_days;
      if (days !== undefined && !isRetentionPeriod(days)) {
        throw new BadRequestError('invalid_choice', `Must be one of ${RETENTION_PERIODS_DAYS.join(', ')}.`, 'session_recording_retention_period_days');
      }
    },
    async update(team, patch) {
      if (Object.keys(patch).length === 0) return shown(await load(team.id));
      const name = patch.session_recording_retention_period as string | undefined;
      const retentionDays = (patch.session_recording_retention_period_days as RetentionPeriodDays | undefined) ?? (name === undefined ? undefined : RETENTION_NAMES[name]);
      const settings = await updateTeamReplaySettings(deps.db, team.id, { optIn: patch.session_recording_opt_in as boolean | undefined, retentionDays });
      if (!settings) throw new NotFoundError('Project not found.');
      await deps.onReplaySettingsChanged?.(team.id);
      return shown(settings);
    },
    read: async (team) => shown(await load(team.id)),
  };
}
