import type { Team } from '../../accounts/accounts-repository';
import type { TeamDirectory } from '../../accounts/team-directory';
import type { CapturedRecord } from '../records';
import { drop, ok, type StepResult } from '../pipeline/step-result';

/** Finds the record's team and checks the token still belongs to it (a rotated token is dropped). */
export function createResolveTeamStep(teams: TeamDirectory) {
  return async function resolveTeam(record: CapturedRecord): Promise<StepResult<{ record: CapturedRecord; team: Team }>> {
    const team = await teams.byId(record.team_id);
    if (!team) return drop('unknown_team');
    if (team.apiToken !== record.token) return drop('token_mismatch');
    return ok({ record, team });
  };
}
