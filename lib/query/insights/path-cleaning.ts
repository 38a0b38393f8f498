/**
 * How PathsQuery tidies its items, as PostHog does: path cleaning filters (`{alias, regex}`:
 * every match of `regex` in an item becomes `alias`, e.g. ids in URLs → `<id>`), then wildcard
 * groupings (`/product/*`: an item matching the pattern anywhere becomes the pattern itself).
 */
import { BadRequestError } from '../../http/errors';
import type { SqlParams } from '../filters/sql-params';

export interface PathCleaningFilter {
  readonly alias: string;
  readonly regex: string;
}

export interface PathCleaning {
  readonly filters: readonly PathCleaningFilter[];
  readonly groupings: readonly string[];
}

function cleaningFilters(value: unknown, field: string): PathCleaningFilter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadRequestError('invalid_input', `${field} must be a list of {alias, regex}.`, field);
  return value.map((f: unknown, i) => {
    const { alias, regex } = (f ?? {}) as Record<string, unknown>;
    if (typeof regex !== 'string' || regex === '' || (alias !== undefined && alias !== null && typeof alias !== 'string')) {
      throw new BadRequestError('invalid_input', `${field}[${i}] needs a regex and an alias (strings).`, field);
    }
    return { alias: (alias as string | null | undefined) ?? '', regex };
  });
}

/** The cleaning a paths filter asks for; `teamFilters` are the project's, used when `pathReplacements` is true. */
export function pathCleaning(filter: Record<string, unknown>, teamFilters: readonly PathCleaningFilter[]): PathCleaning {
  const groupings = filter.pathGroupings ?? [];
  if (!Array.isArray(groupings) || groupings.some((g) => typeof g !== 'string' || g === '')) {
    throw new BadRequestError('invalid_input', 'pathsFilter.pathGroupings must be a list of patterns like /product/*.', 'pathsFilter.pathGroupings');
  }
  return {
    filters: [...(filter.pathReplacements === true ? teamFilters : []), ...cleaningFilters(filter.localPathCleaningFilters, 'pathsFilter.localPathCleaningFilters')],
    groupings: groupings as string[],
  };
}

/** A grouping's pattern as an RE2 regex: everything literal but `*`, which matches anything. */
export function groupingRegex(grouping: string): string {
  return grouping.split('*').map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, '\\$&')).join('.*');
}

/** The item expression after cleaning (an RE2 regex that does not compile fails the query with a 400 from ClickHouse). */
export function cleanedPathItem(item: string, cleaning: PathCleaning, params: SqlParams): string {
  let cleaned = item;
  for (const f of cleaning.filters) cleaned = `replaceRegexpAll(${cleaned}, ${params.str(f.regex)}, ${params.str(f.alias.replace(/\\/g, '\\\\'))})`;
  if (cleaning.groupings.length === 0) return cleaned;
  const patterns = params.add(cleaning.groupings.map(groupingRegex), 'Array(String)');
  const names = params.add(cleaning.groupings, 'Array(String)');
  return `arrayElement(arrayPushFront(${names}, ${cleaned}), multiMatchAnyIndex(${cleaned}, ${patterns}) + 1)`;
}

/** HAVING bounds on an edge's count from minEdgeWeight / maxEdgeWeight ('' when neither). */
export function edgeWeights(filter: Record<string, unknown>): string {
  const bounds: string[] = [];
  for (const [key, op] of [['minEdgeWeight', '>='], ['maxEdgeWeight', '<=']] as const) {
    const value = filter[key];
    if (value === undefined || value === null) continue;
    if (!Number.isInteger(value) || (value as number) < 0) throw new BadRequestError('invalid_input', `pathsFilter.${key} must be a whole number.`, `pathsFilter.${key}`);
    bounds.push(`value ${op} ${value as number}`);
  }
  return bounds.join(' AND ');
}
