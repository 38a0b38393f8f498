/**
 * HogQLQuery `filters`: `{dateRange: {date_from, date_to}, properties: [...], filterTestAccounts}`
 * as one HogQL expression over `events`. It replaces a `{filters}` placeholder; a query without
 * one gets it ANDed into each top-level SELECT that reads `events` (printer `autoFilters`).
 * `filterTestAccounts`: the runner (lib/query/hogql-query.ts) ANDs the project's test-account
 * filters to `properties` before they reach here.
 */
import { and, compare, field, type AstNode } from './ast';
import { fail } from './errors';
import { dateBound } from './dates';
import type { FilterCohorts } from './cohort-filters';
import { propertyFilterExpr } from './property-filters';

export interface HogQLFilters {
  readonly dateRange?: { readonly date_from?: string | null; readonly date_to?: string | null } | null;
  readonly properties?: unknown;
  readonly filterTestAccounts?: boolean | null;
}

/** `cohorts`: those the property filters name (cohort-filters.ts `loadFilterCohorts`). */
export function filtersExpr(filters: unknown, timezone: string, cohorts?: FilterCohorts): AstNode | null {
  if (filters === null || filters === undefined) return null;
  if (typeof filters !== 'object' || Array.isArray(filters)) fail('filters must be an object.');
  const f = filters as HogQLFilters;
  const parts: AstNode[] = [];
  const from = dateBound(f.dateRange?.date_from, timezone, 'from');
  const to = dateBound(f.dateRange?.date_to, timezone, 'to');
  if (from) parts.push(compare(field('timestamp'), '>=', from));
  if (to) parts.push(compare(field('timestamp'), '<=', to));
  const props = propertyFilterExpr(f.properties ?? null, cohorts);
  if (props) parts.push(props);
  if (!parts.length) return null;
  return parts.length === 1 ? parts[0] : and(...parts);
}
