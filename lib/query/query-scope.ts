import type { Team } from '../accounts/accounts-repository';
import { findCohort } from '../flags/cohort-repository';
import { loadActionDefinition } from '../insights/action-repository';
import { loadVariableDefinitions } from '../insights/insight-variable-repository';
import { loadGroupTypes } from '../persons/group-repository';
import type { Sql } from '../ports/database';
import type { QueryScope, ScopeLoaders } from './query-job';

/** The team's actions, cohorts and SQL variables as a query loads them (deleted ones and other teams' are absent). */
export function scopeLoaders(db: Sql, teamId: number): ScopeLoaders {
  return {
    loadAction: (id) => loadActionDefinition(db, teamId, id),
    loadCohort: async (id) => {
      if (!Number.isInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
      const cohort = await findCohort(db, teamId, id);
      return cohort && !cohort.deleted ? cohort : undefined;
    },
    loadVariables: () => loadVariableDefinitions(db, teamId),
  };
}

/** What queries of a team run against: its time zone, settings, actions, cohorts and group types. */
export async function queryScopeOf(db: Sql, team: Team): Promise<QueryScope> {
  const groupTypes = new Map<number, string>();
  for (const [name, index] of await loadGroupTypes(db, team.id)) groupTypes.set(index, name);
  return {
    teamId: team.id,
    timezone: team.timezone || 'UTC',
    groupTypes,
    // Both were checked when the project was patched (project-settings.ts).
    testAccountFilters: team.testAccountFilters as unknown as QueryScope['testAccountFilters'],
    pathCleaningFilters: team.pathCleaningFilters as unknown as QueryScope['pathCleaningFilters'],
    ...scopeLoaders(db, team.id),
  };
}
