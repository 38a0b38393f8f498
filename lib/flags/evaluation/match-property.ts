import type { PropertyFilter } from '../types';
import { parseFilterDate, parsePropertyDate } from './dates';
import { regexSearch } from './safe-regex';
import { caretRange, compareSemver, inRange, parseSemver, tildeRange, wildcardRange, type SemverRange } from './semver';
import { asciiLower, isBooleanLike, isTruthy, stringify, toFiniteNumber } from './values';

/** `true`/`false`, or `undefined` when the filter cannot be evaluated (unknown operator). */
export type MatchResult = boolean | undefined;

/** Operators that still match when the property is absent (the negative string operators). */
const TRUE_WHEN_ABSENT = new Set(['is_not', 'not_icontains', 'not_icontains_multi', 'not_starts_with', 'not_ends_with', 'not_regex', 'not_between', 'is_not_set']);

/** Every property operator this module evaluates. */
export const PROPERTY_OPERATORS: ReadonlySet<string> = new Set([
  'exact', 'is_not', 'icontains', 'not_icontains', 'icontains_multi', 'not_icontains_multi', 'starts_with', 'not_starts_with',
  'ends_with', 'not_ends_with', 'regex', 'not_regex', 'gt', 'gte', 'lt', 'lte', 'between', 'not_between', 'is_set', 'is_not_set',
  'is_date_before', 'is_date_after', 'is_date_exact', 'semver_eq', 'semver_neq', 'semver_gt', 'semver_gte', 'semver_lt',
  'semver_lte', 'semver_tilde', 'semver_caret', 'semver_wildcard',
]);

function exactMatch(filterValue: unknown, actual: unknown): boolean {
  if (isBooleanLike(filterValue)) return isTruthy(filterValue) === isTruthy(actual);
  const target = stringify(actual).toLowerCase();
  if (Array.isArray(filterValue)) return filterValue.some((v) => stringify(v).toLowerCase() === target);
  return stringify(filterValue).toLowerCase() === target;
}

function compare(op: string, a: number | string, b: number | string): boolean {
  switch (op) {
    case 'gt': return a > b;
    case 'gte': return a >= b;
    case 'lt': return a < b;
    default: return a <= b;
  }
}

function semverMatch(op: string, filterValue: unknown, actual: unknown): boolean {
  const version = parseSemver(actual);
  if (!version) return false;
  let range: SemverRange | undefined;
  if (op === 'semver_tilde') range = tildeRange(filterValue);
  else if (op === 'semver_caret') range = caretRange(filterValue);
  else if (op === 'semver_wildcard') range = wildcardRange(filterValue);
  else {
    const target = parseSemver(filterValue);
    if (!target) return false;
    const c = compareSemver(version, target);
    switch (op) {
      case 'semver_eq': return c === 0;
      case 'semver_neq': return c !== 0;
      case 'semver_gt': return c > 0;
      case 'semver_gte': return c >= 0;
      case 'semver_lt': return c < 0;
      default: return c <= 0;
    }
  }
  return range !== undefined && inRange(version, range);
}

/**
 * Evaluates one person or group property filter against a property map with the flags service's
 * semantics (contract §3.6): the map holds every property the server knows, so an absent key is a
 * definite answer (only `is_not_set` and the negative string operators match it), never
 * "inconclusive" as in SDK local evaluation. A null value is seen as `"null"` by the string
 * operators and fails every other operator (`is_set` is true for it).
 */
export function matchProperty(filter: PropertyFilter, properties: Readonly<Record<string, unknown>>, now: Date): MatchResult {
  const op = filter.operator || 'exact';
  if (!PROPERTY_OPERATORS.has(op)) return undefined;
  const present = Object.prototype.hasOwnProperty.call(properties, filter.key);
  if (op === 'is_set') return present;
  if (op === 'is_not_set') return !present;
  const value = filter.value;
  if (value === undefined || value === null) return false;
  if (!present) return TRUE_WHEN_ABSENT.has(op);
  const actual = properties[filter.key];

  switch (op) {
    case 'exact': return exactMatch(value, actual);
    case 'is_not': return !exactMatch(value, actual);
    case 'icontains': case 'not_icontains': {
      const found = asciiLower(stringify(actual)).includes(asciiLower(stringify(value)));
      return op === 'icontains' ? found : !found;
    }
    case 'icontains_multi': case 'not_icontains_multi': {
      const haystack = asciiLower(stringify(actual));
      const found = (Array.isArray(value) ? value : [value]).some((v) => haystack.includes(asciiLower(stringify(v))));
      return op === 'icontains_multi' ? found : !found;
    }
    case 'starts_with': case 'not_starts_with': {
      const found = asciiLower(stringify(actual)).startsWith(asciiLower(stringify(value)));
      return op === 'starts_with' ? found : !found;
    }
    case 'ends_with': case 'not_ends_with': {
      const found = asciiLower(stringify(actual)).endsWith(asciiLower(stringify(value)));
      return op === 'ends_with' ? found : !found;
    }
    case 'regex': case 'not_regex': {
      const found = regexSearch(stringify(value), stringify(actual));
      if (found === undefined) return false;
      return op === 'regex' ? found : !found;
    }
  }
  if (actual === null) return false;

  switch (op) {
    case 'gt': case 'gte': case 'lt': case 'lte': {
      const a = toFiniteNumber(actual);
      const b = toFiniteNumber(value);
      return a !== undefined && b !== undefined ? compare(op, a, b) : compare(op, stringify(actual), stringify(value));
    }
    case 'between': case 'not_between': {
      const bounds = Array.isArray(value) && value.length === 2 ? value.map(toFiniteNumber) : [];
      const n = toFiniteNumber(actual);
      if (bounds.length !== 2 || bounds[0] === undefined || bounds[1] === undefined || bounds[0] > bounds[1] || n === undefined) return false;
      const inside = n >= bounds[0] && n <= bounds[1];
      return op === 'between' ? inside : !inside;
    }
    case 'is_date_before': case 'is_date_after': case 'is_date_exact': {
      const target = parseFilterDate(value, now);
      const date = parsePropertyDate(actual, now);
      if (!target || !date) return false;
      if (op === 'is_date_before') return date.getTime() < target.getTime();
      if (op === 'is_date_after') return date.getTime() > target.getTime();
      return date.getTime() === target.getTime();
    }
    default: return semverMatch(op, value, actual);
  }
}
