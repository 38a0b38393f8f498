/**
 * Reading the values of an insight's legacy `filters` the way PostHog's pydantic schema reads
 * them (lax: "true" is a boolean, "7" a number, lists may arrive JSON-encoded), and its property
 * cleaning (posthog/hogql_queries/legacy_compatibility/clean_properties.py). Every error is a 400
 * whose `attr` is the path under `filters`.
 */
import { BadRequestError } from '../http/errors';

export type Filters = Record<string, unknown>;
type Json = Record<string, unknown>;

export const invalid = (path: string, message: string) => new BadRequestError('invalid_input', `filters.${path} ${message}`, `filters.${path}`);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;

/** The object without its null/undefined entries (and empty lists when `dropEmptyLists`); undefined when nothing is left. */
export function compact(o: Json, { dropEmptyLists = false } = {}): Json | undefined {
  const kept = Object.entries(o).filter(([, v]) => !absent(v) && !(dropEmptyLists && Array.isArray(v) && v.length === 0));
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

const TRUE = new Set(['true', 't', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', 'off', '0']);

export function bool(f: Filters, key: string, path = key): boolean | undefined {
  const v = f[key];
  if (absent(v)) return undefined;
  if (typeof v === 'boolean') return v;
  const text = typeof v === 'string' || typeof v === 'number' ? String(v).toLowerCase() : '';
  if (TRUE.has(text) || FALSE.has(text)) return TRUE.has(text);
  throw invalid(path, 'must be a boolean.');
}

/** PostHog's str_to_bool: anything not truthy-looking is false (never an error). */
export const strToBool = (v: unknown): boolean => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && TRUE.has(String(v).toLowerCase());

export function num(f: Filters, key: string, { integer = false, min }: { integer?: boolean; min?: number } = {}, path = key): number | undefined {
  const v = f[key];
  if (absent(v)) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || (min !== undefined && n < min)) {
    throw invalid(path, `must be ${integer ? 'an integer' : 'a number'}${min !== undefined ? ` of at least ${min}` : ''}.`);
  }
  return n;
}

export const int = (f: Filters, key: string, min?: number, path = key) => num(f, key, { integer: true, min }, path);

export function str(f: Filters, key: string, path = key): string | undefined {
  const v = f[key];
  if (absent(v)) return undefined;
  if (typeof v !== 'string') throw invalid(path, 'must be a string.');
  return v;
}

export function oneOf<T extends string>(f: Filters, key: string, values: readonly T[], path = key): T | undefined {
  const v = str(f, key, path);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw invalid(path, `must be one of ${values.join(', ')} (got "${v}").`);
  return v as T;
}

/** A list, or a JSON-encoded list (legacy clients sent `events` as a string); [] when absent. */
export function list(f: Filters, key: string, path = key): unknown[] {
  let v = f[key];
  if (absent(v)) return [];
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw invalid(path, 'must be a list.');
    }
  }
  if (!Array.isArray(v)) throw invalid(path, 'must be a list.');
  return v;
}

export function strings(f: Filters, key: string, path = key): string[] | undefined {
  if (absent(f[key])) return undefined;
  const values = list(f, key, path);
  values.forEach((v, i) => {
    if (typeof v !== 'string') throw invalid(`${path}[${i}]`, 'must be a string.');
  });
  return values as string[];
}

export function object(f: Filters, key: string, path = key): Json | undefined {
  const v = f[key];
  if (absent(v)) return undefined;
  if (!isObject(v)) throw invalid(path, 'must be an object.');
  return v;
}

// ---- properties (clean_properties.py) ----

const isGroup = (p: unknown): p is { type: 'AND' | 'OR'; values: unknown } => isObject(p) && (p.type === 'AND' || p.type === 'OR');
const isEmpty = (p: unknown) => absent(p) || (Array.isArray(p) && p.length === 0) || (isObject(p) && Object.keys(p).length === 0);
/** Old-style properties: one `key__operator: value` pair, e.g. {"utm_medium__icontains": "email"}. */
const isOldStyle = (p: unknown): p is Json => isObject(p) && Object.keys(p).length === 1 && !isGroup(p);

function oldStyle(p: Json): Json[] {
  const [[key, value]] = Object.entries(p);
  const [name, operator] = key.split('__');
  return [{ key: name, value, operator: operator ?? 'exact', type: 'event' }];
}

/** One property filter with PostHog's fixes: type/value typos, cohorts keyed by id, a default operator. */
export function cleanProperty(property: unknown, path: string): Json {
  if (!isObject(property)) throw invalid(path, 'must be a property filter.');
  const p: Json = { ...property };
  if (p.type === 'events') p.type = 'event';
  if (!absent(p.values) && absent(p.value)) {
    p.value = p.values;
    delete p.values;
  }
  if (p.type === 'precalculated-cohort' || p.type === 'static-cohort') p.type = 'cohort';
  if (p.type === 'cohort') {
    p.key = 'id';
    if (absent(p.operator)) p.operator = p.negation === true ? 'not_in' : 'in';
    delete p.negation;
  }
  if (p.type === 'hogql') delete p.operator;
  else if (absent(p.operator)) p.operator = 'exact';
  if (Array.isArray(p.value)) p.value = p.value.filter((v) => !absent(v));
  return compact(p) ?? {};
}

function cleanGroupValues(values: unknown, path: string): unknown[] {
  if (!Array.isArray(values)) throw invalid(`${path}.values`, 'must be a list.');
  return values.flatMap((v, i) => (isEmpty(v) ? [] : [isGroup(v) ? { type: v.type, values: cleanGroupValues(v.values, `${path}.values[${i}]`) } : cleanProperty(v, `${path}.values[${i}]`)]));
}

/** The query's `properties`: always a property group (a list becomes AND of AND). */
export function cleanGlobalProperties(properties: unknown, path = 'properties'): Json | undefined {
  if (isEmpty(properties)) return undefined;
  const inner = (values: unknown[]) => ({ type: 'AND', values: [{ type: 'AND', values }] });
  if (isOldStyle(properties)) return inner(oldStyle(properties));
  if (Array.isArray(properties)) return inner(properties.filter((p) => !isEmpty(p)).map((p, i) => cleanProperty(p, `${path}[${i}]`)));
  if (!isGroup(properties)) throw invalid(path, 'must be a list of property filters or a property group.');
  const values = cleanGroupValues(properties.values, path);
  const flat = values.every((v) => !isGroup(v));
  return flat ? { type: 'AND', values: [{ type: properties.type, values }] } : { type: properties.type, values };
}

/** A series' `properties`: always a flat list. */
export function cleanEntityProperties(properties: unknown, path: string): Json[] | undefined {
  if (isEmpty(properties)) return undefined;
  if (isOldStyle(properties)) return oldStyle(properties);
  if (Array.isArray(properties)) return properties.map((p, i) => cleanProperty(p, `${path}[${i}]`));
  if (isGroup(properties) && Array.isArray(properties.values) && properties.values.every((v) => !isGroup(v))) {
    return properties.values.map((p, i) => cleanProperty(p, `${path}.values[${i}]`));
  }
  throw invalid(path, 'must be a list of property filters.');
}
