import { toClickHouseTime } from '../../clickhouse/time';
import type { PersonOnEvent } from '../../persons/person-batch';
import type { GroupsOnEvent } from '../../persons/process-groups';
import type { EventRow, IngestionWarningRow } from '../records';
import type { NormalizedEvent } from './normalize-event-step';

/** The ClickHouse `events` row of a processed event, with its person-on-events columns. Pure. */
export function buildEventRow(event: NormalizedEvent, person: PersonOnEvent, groups: GroupsOnEvent): EventRow {
  const properties = Object.keys(groups.groupProperties).length ? { ...event.properties, ...groups.groupProperties } : event.properties;
  return {
    uuid: event.uuid,
    event: event.event,
    properties: JSON.stringify(properties),
    timestamp: toClickHouseTime(event.timestamp),
    team_id: event.teamId,
    distinct_id: event.distinctId,
    elements_chain: event.elementsChain,
    created_at: toClickHouseTime(event.receivedAt),
    person_id: person.personId,
    person_created_at: toClickHouseTime(person.createdAt),
    person_properties: person.properties,
    group0_properties: groups.properties[0],
    group1_properties: groups.properties[1],
    group2_properties: groups.properties[2],
    group3_properties: groups.properties[3],
    group4_properties: groups.properties[4],
    group0_created_at: groups.createdAt[0],
    group1_created_at: groups.createdAt[1],
    group2_created_at: groups.createdAt[2],
    group3_created_at: groups.createdAt[3],
    group4_created_at: groups.createdAt[4],
    person_mode: person.mode,
  };
}

export function buildWarningRows(event: NormalizedEvent, extra: readonly { type: string; details: Record<string, unknown> }[]): IngestionWarningRow[] {
  return [...event.warnings, ...extra].map((w) => ({
    team_id: event.teamId,
    source: 'ingestion',
    type: w.type,
    details: JSON.stringify({ eventUuid: event.uuid, event: event.event, distinctId: event.distinctId, ...w.details }),
    timestamp: toClickHouseTime(event.receivedAt),
  }));
}
