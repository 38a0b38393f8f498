import type { GroupEventInput } from '../../persons/process-groups';
import type { MergeKind, PersonEventInput } from '../../persons/person-batch';
import type { Properties } from '../../persons/property-updates';
import type { CapturedEvent, CapturedRecord, IngestionWarning } from '../records';

/** An event ready for person and group processing. */
export interface NormalizedEvent {
  readonly teamId: number;
  readonly uuid: string;
  readonly event: string;
  readonly distinctId: string;
  readonly timestamp: string;
  readonly receivedAt: string;
  /** The properties to store (with $set/$set_once/$unset kept when they apply). */
  readonly properties: Properties;
  readonly elementsChain: string;
  readonly person: PersonEventInput;
  readonly groups: GroupEventInput;
  readonly warnings: readonly IngestionWarning[];
}

/** Event properties copied to the person as $set and $set_once $initial_* (contract §2.2). */
const PERSON_INITIAL_PROPERTIES = [
  '$app_build', '$app_name', '$app_namespace', '$app_version', '$browser', '$browser_version', '$device_type',
  '$current_url', '$pathname', '$os', '$os_version', '$referring_domain', '$referrer', 'utm_source', 'utm_medium',
  'utm_campaign', 'utm_content', 'utm_name', 'utm_term', 'gclid', 'gad_source', 'gbraid', 'wbraid', 'fbclid', 'msclkid',
] as const;
const SERVER_SKIPPED = new Set(['$os', '$os_version']);
const NO_PERSON_UPDATES = new Set(['$exception', '$$heatmap']);
const NO_INITIAL_PROPERTIES = new Set(['$snapshot', '$performance_event']);

const asObject = (value: unknown): Properties | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Properties) : undefined;

function unsetKeys(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.filter((k): k is string => typeof k === 'string');
  const obj = asObject(value);
  return obj ? Object.keys(obj) : undefined;
}

function groupsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [type, key] of Object.entries(asObject(value) ?? {})) {
    if (key === null || key === undefined || key === '') continue;
    out[type] = typeof key === 'string' ? key : JSON.stringify(key);
  }
  return out;
}

function mergeOf(event: string, props: Properties): { mergeKind?: MergeKind; mergeFrom?: string } {
  const id = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
  if (event === '$identify') return { mergeKind: 'identify', mergeFrom: id(props.$anon_distinct_id) };
  if (event === '$create_alias') return { mergeKind: 'alias', mergeFrom: id(props.alias) };
  if (event === '$merge_dangerously') return { mergeKind: 'merge_dangerously', mergeFrom: id(props.alias) };
  return {};
}

/**
 * Takes a property out of the stored JSON by setting it to undefined, which JSON.stringify leaves
 * out: `delete` would turn the object into a dictionary, and serialising the row would take
 * twice as long.
 */
function remove(properties: Properties, key: string): void {
  if (properties[key] !== undefined) properties[key] = undefined;
}

/**
 * PostHog's event normalisation before person processing (contract §2.2). No I/O. The event's
 * `properties` object is taken over and changed in place, not copied: it is the record's own
 * parse, made for this delivery alone (a redelivered record is parsed again), and copying its
 * ~60 properties took four fifths of this step's time.
 */
export function normalizeEvent(record: CapturedRecord, captured: CapturedEvent): NormalizedEvent {
  const properties: Properties = captured.properties;
  const set: Properties = { ...asObject(properties.$set), ...captured.$set };
  const setOnce: Properties = { ...asObject(properties.$set_once), ...captured.$set_once };
  const unset = unsetKeys(properties.$unset);
  if (record.sent_at && properties.$sent_at === undefined) properties.$sent_at = record.sent_at;

  let elementsChain = '';
  if (typeof properties.$elements_chain === 'string') {
    elementsChain = properties.$elements_chain;
    remove(properties, '$elements_chain');
  }

  const processPerson = properties.$process_person_profile !== false;
  const updatesPerson = processPerson && captured.event !== '$groupidentify' && !NO_PERSON_UPDATES.has(captured.event);

  if (updatesPerson && !NO_INITIAL_PROPERTIES.has(captured.event)) {
    const isServer = properties.$is_server === true;
    for (const key of PERSON_INITIAL_PROPERTIES) {
      const value = properties[key];
      if (value === undefined || (isServer && SERVER_SKIPPED.has(key))) continue;
      if (!(key in set)) set[key] = value;
      const initial = `$initial_${key.replace(/^\$/, '')}`;
      if (!(initial in setOnce)) setOnce[initial] = value;
    }
  }
  if (updatesPerson) {
    if (Object.keys(set).length) properties.$set = set;
    if (Object.keys(setOnce).length) properties.$set_once = setOnce;
  } else {
    remove(properties, '$set');
    remove(properties, '$set_once');
    remove(properties, '$unset');
  }

  const groupIdentify =
    captured.event === '$groupidentify' && typeof properties.$group_type === 'string' && properties.$group_key !== undefined
      ? { type: properties.$group_type, key: String(properties.$group_key), set: asObject(properties.$group_set) ?? {} }
      : undefined;

  return {
    teamId: record.team_id,
    uuid: captured.uuid,
    event: captured.event,
    distinctId: captured.distinct_id,
    timestamp: captured.timestamp,
    receivedAt: record.now,
    properties,
    elementsChain,
    person: {
      event: captured.event,
      distinctId: captured.distinct_id,
      // Group identifies and exceptions/heatmaps never create or change a person: they are looked up only.
      processPerson: updatesPerson,
      updates: updatesPerson ? { set, setOnce, unset } : {},
      timestamp: captured.timestamp,
      ...(updatesPerson ? mergeOf(captured.event, properties) : {}),
    },
    groups: { groups: groupsOf(properties.$groups), identify: groupIdentify, timestamp: captured.timestamp },
    warnings: captured.warnings ?? [],
  };
}
