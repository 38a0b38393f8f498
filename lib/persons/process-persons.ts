import type { IngestionWarning, PersonDistinctIdRow, PersonRow } from '../ingestion/records';
import { toClickHouseTime } from '../clickhouse/time';
import { moveStaticCohortMemberships } from '../flags/cohort-repository';
import { moveHashKeyOverrides } from '../flags/hash-key-overrides';
import type { Database } from '../ports/database';
import type { NoPersonCache } from './no-person-cache';
import { PersonBatch, type PersonEventInput, type PersonOnEvent, type PersonState } from './person-batch';
import {
  deletePerson,
  insertDistinctIds,
  insertPersons,
  loadPersonlessIds,
  loadPersonsForUpdate,
  lockDistinctIds,
  markPersonlessMerged,
  moveDistinctIds,
  recordPersonlessIds,
  updatePersons,
} from './person-repository';

export interface PersonsOutcome {
  /** One per input, in order. */
  readonly events: { person: PersonOnEvent; warnings: IngestionWarning[] }[];
  /** Rows for ClickHouse `person` and `person_distinct_id2`. */
  readonly persons: PersonRow[];
  readonly distinctIds: PersonDistinctIdRow[];
  /** Stored persons merged away (deleted) in this batch, by uuid, with the person that absorbed them. */
  readonly merges: PersonMerge[];
}

export interface PersonMerge {
  readonly from: string;
  readonly into: string;
}

/** What a batch changed: the rows ClickHouse needs, and the merges. */
export type PersonChanges = Pick<PersonsOutcome, 'persons' | 'distinctIds' | 'merges'>;

/** Another writer created a mapping this batch meant to create: the batch is retried. */
export class ConcurrentPersonChangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrentPersonChangeError';
  }
}

/** A deleted person's row outranks every earlier version of it (as PostHog does). */
const DELETE_VERSION_BUMP = 100;

/**
 * Person processing for one team's events in one transaction: lock the ids, load their persons,
 * apply the events in memory (PersonBatch), write what changed, and return the person-on-events
 * columns for each event plus the rows ClickHouse needs.
 *
 * `beforeCommit` gets the changes, when there are any, inside the transaction: whatever it writes
 * elsewhere is written before the changes are committed, and if it throws they are rolled back.
 * A retry of the same events would find nothing left to change, so changes written after the
 * commit could be lost; written before it, they are at worst written twice.
 */
export async function processPersons(
  db: Database,
  teamId: number,
  inputs: readonly PersonEventInput[],
  noPerson?: NoPersonCache,
  beforeCommit?: (changes: PersonChanges) => Promise<void>,
): Promise<PersonsOutcome> {
  const ids = [...new Set(inputs.flatMap((i) => (i.mergeFrom === undefined ? [i.distinctId] : [i.distinctId, i.mergeFrom])))];
  const needsWrites = inputs.some((i) => i.processPerson);
  if (!needsWrites && noPerson?.hasAll(teamId, ids)) {
    // Personless events of ids known to have no person (and already recorded as personless).
    const batch = new PersonBatch(teamId, new Map(), new Set());
    return { events: inputs.map((input) => batch.apply(input)), persons: [], distinctIds: [], merges: [] };
  }
  const outcome = await db.transaction(async (tx) => {
    await lockDistinctIds(tx, teamId, ids);
    const loaded = await loadPersonsForUpdate(tx, teamId, ids);
    const unmapped = ids.filter((id) => !loaded.has(id));
    const personless = needsWrites ? await loadPersonlessIds(tx, teamId, unmapped) : new Set<string>();
    const batch = new PersonBatch(teamId, loaded, personless);
    const events = inputs.map((input) => batch.apply(input));

    const persons: PersonRow[] = [];
    const distinctIds: PersonDistinctIdRow[] = [];
    const merges: PersonMerge[] = [];
    const personRow = (p: PersonState, version: number, deleted = false): PersonRow => ({
      id: p.uuid,
      team_id: teamId,
      properties: p.propertiesJson(),
      is_identified: p.isIdentified ? 1 : 0,
      is_deleted: deleted ? 1 : 0,
      created_at: toClickHouseTime(p.createdAt),
      version,
    });

    const created = [...batch.persons].filter((p) => p.isNew);
    const dbIds = await insertPersons(
      tx,
      teamId,
      created.map((p) => ({ uuid: p.uuid, properties: p.properties, isIdentified: p.isIdentified, createdAt: p.createdAt })),
    );
    for (const p of created) {
      p.dbId = dbIds.get(p.uuid);
      if (p.dbId === undefined) throw new ConcurrentPersonChangeError(`person ${p.uuid} was not created`);
      persons.push(personRow(p, 0));
    }

    const mappings = [...batch.newDistinctIds].map(([distinctId, p]) => ({
      distinctId,
      person: PersonBatch.survivor(p),
      // An id that had personless events gets version 1: ClickHouse then re-attributes those events.
      version: personless.has(distinctId) || batch.personlessInBatch.has(distinctId) ? 1 : 0,
    }));
    const inserted = await insertDistinctIds(tx, teamId, mappings.map((m) => ({ distinctId: m.distinctId, personId: m.person.dbId!, version: m.version })));
    if (inserted !== mappings.length) throw new ConcurrentPersonChangeError('a distinct id was mapped concurrently');
    for (const m of mappings) distinctIds.push({ team_id: teamId, distinct_id: m.distinctId, person_id: m.person.uuid, is_deleted: 0, version: m.version });
    await markPersonlessMerged(tx, teamId, mappings.filter((m) => m.version === 1).map((m) => m.distinctId));

    for (const { from, into } of batch.merges) {
      const target = PersonBatch.survivor(into);
      for (const moved of await moveDistinctIds(tx, teamId, from.dbId!, target.dbId!)) {
        distinctIds.push({ team_id: teamId, distinct_id: moved.distinctId, person_id: target.uuid, is_deleted: 0, version: moved.version });
      }
      // Flag continuity and static cohorts follow the person (deleting it would cascade them away).
      await moveHashKeyOverrides(tx, from.dbId!, target.dbId!);
      await moveStaticCohortMemberships(tx, from.dbId!, target.dbId!);
      await deletePerson(tx, from.dbId!);
      merges.push({ from: from.uuid, into: target.uuid });
      persons.push(personRow(from, from.version + DELETE_VERSION_BUMP, true));
    }

    const changed = [...batch.persons].filter((p) => p.dirty && !p.deleted && !created.includes(p));
    const versions = await updatePersons(
      tx,
      changed.map((p) => ({ id: p.dbId!, properties: p.properties, isIdentified: p.isIdentified, createdAt: p.createdAt })),
    );
    for (const p of changed) persons.push(personRow(p, versions.get(p.dbId!) ?? p.version + 1));

    await recordPersonlessIds(tx, teamId, [...batch.personlessIds]);
    if (beforeCommit && (persons.length || distinctIds.length || merges.length)) await beforeCommit({ persons, distinctIds, merges });
    return { events, persons, distinctIds, merges, personless: [...batch.personlessIds] };
  });
  noPerson?.delete(teamId, outcome.distinctIds.map((d) => d.distinct_id));
  noPerson?.add(teamId, outcome.personless);
  return outcome;
}
