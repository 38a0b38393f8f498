import { toClickHouseTime } from '../../clickhouse/time';
import type { PersonOnEvent } from '../../persons/person-batch';
import type { GroupsOnEvent } from '../../persons/process-groups';
import type { IngestionWarningRow } from '../records';
import type { NormalizedEvent } from './normalize-event-step';

/** A JSON text for a String column: objects go in as they are (see AnalyticsStore.insertJsonLines). */
const rawJson = (text: string) => (text === '' ? '""' : text);

/**
 * The ClickHouse `events` row of a processed event, with its person-on-events columns, as one
 * JSONEachRow line. Built by hand so that the JSON of the properties, the person and the groups
 * is embedded once instead of being escaped into strings. Pure.
 */
export function serializeEventRow(event: NormalizedEvent, person: PersonOnEvent, groups: GroupsOnEvent): string {
  const properties = Object.keys(groups.groupProperties).length ? { ...event.properties, ...groups.groupProperties } : event.properties;
  const p = groups.properties;
  const c = groups.createdAt;
  return (
    `{"uuid":"${event.uuid}","event":${JSON.stringify(event.event)},"properties":${JSON.stringify(properties)}` +
    `,"timestamp":"${toClickHouseTime(event.timestamp)}","team_id":${event.teamId},"distinct_id":${JSON.stringify(event.distinctId)}` +
    `,"elements_chain":${JSON.stringify(event.elementsChain)},"created_at":"${toClickHouseTime(event.receivedAt)}"` +
    `,"person_id":"${person.personId}","person_created_at":"${toClickHouseTime(person.createdAt)}","person_properties":${rawJson(person.properties)}` +
    `,"group0_properties":${rawJson(p[0])},"group1_properties":${rawJson(p[1])},"group2_properties":${rawJson(p[2])}` +
    `,"group3_properties":${rawJson(p[3])},"group4_properties":${rawJson(p[4])}` +
    `,"group0_created_at":"${c[0]}","group1_created_at":"${c[1]}","group2_created_at":"${c[2]}","group3_created_at":"${c[3]}","group4_created_at":"${c[4]}"` +
    `,"person_mode":"${person.mode}"}`
  );
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
