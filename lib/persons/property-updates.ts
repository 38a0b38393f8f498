export type Properties = Record<string, unknown>;

export interface PropertyUpdates {
  readonly set?: Properties;
  readonly setOnce?: Properties;
  readonly unset?: readonly string[];
}

/**
 * Properties whose changes alone do not justify writing the person on an ordinary event
 * (contract §2.3): they still show on the event, but they are not persisted by themselves.
 */
export const HIGH_CHURN_PROPERTIES = new Set([
  '$app_build', '$app_name', '$app_namespace', '$app_version', '$browser', '$browser_version', '$device_type',
  '$current_url', '$pathname', '$os', '$os_version', '$referring_domain', '$referrer', 'utm_source', 'utm_medium',
  'utm_campaign', 'utm_content', 'utm_name', 'utm_term', 'gclid', 'gad_source', 'gbraid', 'wbraid', 'fbclid', 'msclkid',
]);

function isHighChurn(key: string): boolean {
  if (HIGH_CHURN_PROPERTIES.has(key)) return true;
  return key.startsWith('$geoip_') && key !== '$geoip_country_name' && key !== '$geoip_city_name';
}

export interface UpdateOutcome {
  readonly properties: Properties;
  /** Something changed. */
  readonly changed: boolean;
  /** Something changed that is worth a database write on an ordinary event. */
  readonly significant: boolean;
}

/** Applies $set_once, then $set, then $unset (contract §2.3). Never mutates its input. */
export function applyPropertyUpdates(current: Properties, updates: PropertyUpdates): UpdateOutcome {
  let next: Properties | undefined;
  let significant = false;
  const write = (key: string, value: unknown) => {
    next ??= { ...current };
    next[key] = value;
    if (!isHighChurn(key)) significant = true;
  };
  for (const [key, value] of Object.entries(updates.setOnce ?? {})) {
    if ((next ?? current)[key] === undefined && value !== undefined) write(key, value);
  }
  for (const [key, value] of Object.entries(updates.set ?? {})) {
    if (value !== undefined && !sameValue((next ?? current)[key], value)) write(key, value);
  }
  for (const key of updates.unset ?? []) {
    if (key in (next ?? current)) {
      next ??= { ...current };
      delete next[key];
      significant = true;
    }
  }
  return { properties: next ?? current, changed: next !== undefined, significant };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
