import type { Database } from '../../ports/database';
import { processGroups, type GroupTypeCache, type GroupsOnEvent } from '../../persons/process-groups';
import { NoPersonCache } from '../../persons/no-person-cache';
import { processPersons, type PersonChanges, type PersonMerge } from '../../persons/process-persons';
import type { PersonOnEvent } from '../../persons/person-batch';
import type { GroupRow, IngestionWarning, PersonDistinctIdRow, PersonRow } from '../records';
import type { NormalizedEvent } from './normalize-event-step';

export interface TeamBatchOutcome {
  readonly events: { person: PersonOnEvent; groups: GroupsOnEvent; warnings: IngestionWarning[] }[];
  readonly persons: PersonRow[];
  readonly distinctIds: PersonDistinctIdRow[];
  readonly groups: GroupRow[];
  /** Persons merged away in this batch (the flags projection moves their overrides and static cohorts). */
  readonly merges: PersonMerge[];
}

/**
 * The batch stage: persons and groups for one team's events, in one transaction each, in
 * event order. Throws when the database fails; the runner then fails that team's records.
 * `beforePersonsCommit` writes the person changes elsewhere before they are committed
 * (processPersons); group changes need not be, since a retry recomputes them.
 */
export function createProcessPersonsStep(deps: { db: Database; groupTypes: GroupTypeCache }) {
  const noPerson = new NoPersonCache();
  return async function processTeam(
    teamId: number,
    events: readonly NormalizedEvent[],
    beforePersonsCommit?: (changes: PersonChanges) => Promise<void>,
  ): Promise<TeamBatchOutcome> {
    const people = await processPersons(deps.db, teamId, events.map((e) => e.person), noPerson, beforePersonsCommit);
    const groups = await processGroups(deps.db, teamId, events.map((e) => e.groups), deps.groupTypes);
    return {
      events: events.map((_, i) => ({ person: people.events[i].person, groups: groups.events[i], warnings: people.events[i].warnings })),
      persons: people.persons,
      distinctIds: people.distinctIds,
      groups: groups.groups,
      merges: people.merges,
    };
  };
}
