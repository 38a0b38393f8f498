import type { IngestionWarning } from '../ingestion/records';
import { isIllegalDistinctId } from './distinct-id-rules';
import type { StoredPerson } from './person-repository';
import { personUuidFor } from './person-uuid';
import { applyPropertyUpdates, type Properties, type PropertyUpdates } from './property-updates';

export type MergeKind = 'identify' | 'alias' | 'merge_dangerously';

/** What person processing needs to know of one event. */
export interface PersonEventInput {
  readonly event: string;
  readonly distinctId: string;
  readonly processPerson: boolean;
  readonly updates: PropertyUpdates;
  /** The other id of a merge: `$anon_distinct_id` on $identify, `alias` on $create_alias/$merge_dangerously. */
  readonly mergeFrom?: string;
  readonly mergeKind?: MergeKind;
  readonly timestamp: string;
}

/** The person-on-events columns of one event. */
export interface PersonOnEvent {
  readonly personId: string;
  readonly properties: string;
  readonly createdAt: string;
  readonly mode: 'full' | 'propertyless' | 'force_upgrade';
}

/** A person while a batch is applied in memory. */
export class PersonState {
  json?: string;
  /** Has changes worth a database write. */
  dirty = false;
  deleted = false;
  /** Set when this person was merged into another in this batch. */
  mergedInto?: PersonState;
  constructor(
    public dbId: number | undefined,
    readonly uuid: string,
    public properties: Properties,
    public isIdentified: boolean,
    public createdAt: string,
    readonly version: number,
  ) {}

  get isNew(): boolean {
    return this.dbId === undefined;
  }

  propertiesJson(): string {
    return (this.json ??= JSON.stringify(this.properties));
  }
}

/** Events whose property changes are always written (contract §2.3). */
const ALWAYS_WRITE = new Set(['$identify', '$create_alias', '$merge_dangerously', '$set']);
const EPOCH = '1970-01-01T00:00:00.000Z';

/**
 * Applies a batch of one team's events to its persons in memory, in order, with PostHog's
 * semantics (contract §2): creation, $set/$set_once/$unset, identify/alias merges and their
 * refusals. The caller loads the persons first (locked) and writes `changes()` afterwards.
 */
export class PersonBatch {
  private readonly byDistinctId = new Map<string, PersonState>();
  /** Distinct ids to insert, with the person they belong to. */
  readonly newDistinctIds = new Map<string, PersonState>();
  /** Merges of two stored persons: `from` is deleted and its ids move to `into`. */
  readonly merges: { from: PersonState; into: PersonState }[] = [];
  /** Ids seen on personless events that have no person. */
  readonly personlessIds = new Set<string>();
  /** Ids whose events in this batch were personless (even if they got a person later in it). */
  readonly personlessInBatch = new Set<string>();
  /** distinct id → its personless UUID (a batch carries many events of one visitor; UUIDv5 is a SHA-1). */
  private readonly personlessUuids = new Map<string, string>();
  readonly persons = new Set<PersonState>();

  constructor(
    private readonly teamId: number,
    loaded: ReadonlyMap<string, StoredPerson>,
    /** Ids seen before on personless events: their first mapping gets version 1 (an override). */
    readonly previouslyPersonless: ReadonlySet<string>,
  ) {
    const states = new Map<number, PersonState>();
    for (const [distinctId, p] of loaded) {
      let state = states.get(p.id);
      if (!state) states.set(p.id, (state = new PersonState(p.id, p.uuid, p.properties, p.isIdentified, p.createdAt, p.version)));
      this.byDistinctId.set(distinctId, state);
      this.persons.add(state);
    }
  }

  apply(input: PersonEventInput): { person: PersonOnEvent; warnings: IngestionWarning[] } {
    const warnings: IngestionWarning[] = [];
    if (!input.processPerson) return { person: this.personless(input.distinctId), warnings };

    let person: PersonState | undefined;
    if (input.mergeKind && input.mergeFrom !== undefined) {
      person = this.merge(input.mergeFrom, input.distinctId, input.mergeKind, input.timestamp, warnings);
    }
    if (!person && input.event === '$identify') {
      person = this.getOrCreate(input.distinctId, input.timestamp);
      this.identify(person);
    }
    person ??= this.getOrCreate(input.distinctId, input.timestamp);

    const outcome = applyPropertyUpdates(person.properties, input.updates);
    if (outcome.changed) {
      person.properties = outcome.properties;
      person.json = undefined;
      if (outcome.significant || ALWAYS_WRITE.has(input.event)) person.dirty = true;
    }
    return { person: { personId: person.uuid, properties: person.propertiesJson(), createdAt: person.createdAt, mode: 'full' }, warnings };
  }

  /** Follows merges made later in the batch to the person that survived them. */
  static survivor(person: PersonState): PersonState {
    let p = person;
    while (p.mergedInto) p = p.mergedInto;
    return p;
  }

  private personless(distinctId: string): PersonOnEvent {
    const existing = this.byDistinctId.get(distinctId);
    if (existing) return { personId: existing.uuid, properties: existing.propertiesJson(), createdAt: existing.createdAt, mode: 'force_upgrade' };
    this.personlessIds.add(distinctId);
    this.personlessInBatch.add(distinctId);
    let personId = this.personlessUuids.get(distinctId);
    if (personId === undefined) this.personlessUuids.set(distinctId, (personId = personUuidFor(this.teamId, distinctId)));
    return { personId, properties: '{}', createdAt: EPOCH, mode: 'propertyless' };
  }

  private getOrCreate(distinctId: string, timestamp: string, identified = false): PersonState {
    const existing = this.byDistinctId.get(distinctId);
    if (existing) return existing;
    const person = new PersonState(undefined, personUuidFor(this.teamId, distinctId), {}, identified, timestamp, 0);
    person.dirty = true;
    this.persons.add(person);
    this.attach(distinctId, person);
    return person;
  }

  private attach(distinctId: string, person: PersonState): void {
    this.byDistinctId.set(distinctId, person);
    this.newDistinctIds.set(distinctId, person);
    this.personlessIds.delete(distinctId);
  }

  private identify(person: PersonState): void {
    if (!person.isIdentified) {
      person.isIdentified = true;
      person.dirty = true;
    }
  }

  /** merge(other → into), contract §2.4. Returns the surviving person, or undefined when refused for illegal ids. */
  private merge(other: string, into: string, kind: MergeKind, timestamp: string, warnings: IngestionWarning[]): PersonState | undefined {
    if (other === into) return undefined;
    if (isIllegalDistinctId(other) || isIllegalDistinctId(into)) {
      warnings.push({ type: 'cannot_merge_with_illegal_distinct_id', details: { sourcePersonDistinctId: other, targetPersonDistinctId: into } });
      return undefined;
    }
    const otherPerson = this.byDistinctId.get(other);
    const intoPerson = this.byDistinctId.get(into);
    let survivor: PersonState;
    if (!otherPerson && !intoPerson) {
      survivor = this.getOrCreate(into, timestamp, true);
      this.attach(other, survivor);
    } else if (!otherPerson) {
      survivor = intoPerson!;
      this.attach(other, survivor);
    } else if (!intoPerson) {
      survivor = otherPerson;
      this.attach(into, survivor);
    } else if (otherPerson === intoPerson) {
      survivor = intoPerson;
    } else if (otherPerson.isIdentified && kind !== 'merge_dangerously') {
      warnings.push({ type: 'cannot_merge_already_identified', details: { sourcePersonDistinctId: other, targetPersonDistinctId: into } });
      survivor = intoPerson;
    } else {
      survivor = this.mergePersons(otherPerson, intoPerson);
    }
    this.identify(survivor);
    return survivor;
  }

  private mergePersons(from: PersonState, into: PersonState): PersonState {
    into.properties = { ...from.properties, ...into.properties };
    into.json = undefined;
    if (from.createdAt < into.createdAt) into.createdAt = from.createdAt;
    into.dirty = true;
    from.deleted = true;
    from.mergedInto = into;
    this.persons.delete(from);
    for (const [id, person] of this.byDistinctId) if (person === from) this.byDistinctId.set(id, into);
    for (const [id, person] of this.newDistinctIds) if (person === from) this.newDistinctIds.set(id, into);
    // A stored person's ids move in the database; one created in this batch has only new ids.
    if (!from.isNew) this.merges.push({ from, into });
    return into;
  }
}
