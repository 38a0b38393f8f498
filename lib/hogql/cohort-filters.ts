/**
 * Cohort property filters (`{type: 'cohort', value: <id>, operator: in|not_in}`) in HogQL's
 * `filters.properties` and EventsQuery's `properties`, with the same meaning insights give them
 * (lib/query/filters/property-filters.ts): a static cohort is the event's `person_id` among its
 * members (`static_cohort_people`, a HogQL table over person_static_cohort confined to the team
 * like every other); a dynamic cohort is its person-property filters on the person as the event
 * saw it, static cohorts inside it included. Behavioural cohorts are refused.
 *
 * Printing is synchronous, so the cohorts a filter names (nested ones too) are loaded first.
 */
import type { Cohort } from '../flags/types';
import { and, compare, constant, field, not, or, type AstNode } from './ast';
import { fail } from './errors';
import { describeValue } from '../http/errors';

/** The team's cohorts a set of filters names, by id (absent: deleted or another team's). */
export type FilterCohorts = ReadonlyMap<number, Cohort>;

export const COHORT_FILTER_TYPES: ReadonlySet<unknown> = new Set(['cohort', 'precalculated-cohort', 'static-cohort']);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The ids of the cohort filters anywhere in `filters` (lists and AND/OR groups). */
function cohortIds(filters: unknown, into: Set<number>): Set<number> {
  if (Array.isArray(filters)) filters.forEach((f) => cohortIds(f, into));
  else if (isObject(filters) && Array.isArray(filters.values)) cohortIds(filters.values, into);
  else if (isObject(filters) && COHORT_FILTER_TYPES.has(filters.type) && Number.isInteger(Number(filters.value))) into.add(Number(filters.value));
  return into;
}

/** Loads every cohort `filters` names, and the cohorts those name, once each. */
export async function loadFilterCohorts(filters: unknown, loadCohort: (id: number) => Promise<Cohort | undefined>): Promise<FilterCohorts> {
  const found = new Map<number, Cohort>();
  let pending = [...cohortIds(filters, new Set())];
  const seen = new Set(pending);
  while (pending.length) {
    const loaded = await Promise.all(pending.map(loadCohort));
    const next = new Set<number>();
    for (const cohort of loaded) {
      if (!cohort || cohort.deleted) continue;
      found.set(cohort.id, cohort);
      if (!cohort.is_static) for (const id of cohortIds(cohort.filters?.properties, new Set())) if (!seen.has(id)) next.add(id);
    }
    next.forEach((id) => seen.add(id));
    pending = [...next];
  }
  return found;
}

/**
 * A cohort filter as an expression over `events`. `personFilter` turns a person-property filter
 * into an expression (property-filters.ts passes its own, so operators mean the same everywhere).
 */
export function cohortFilterExpr(filter: Record<string, unknown>, cohorts: FilterCohorts, personFilter: (f: Record<string, unknown>) => AstNode): AstNode {
  return membershipOf(filter, cohorts, personFilter, new Set());
}

function membershipExpr(id: number, cohorts: FilterCohorts, personFilter: (f: Record<string, unknown>) => AstNode, path: Set<number>): AstNode {
  if (!Number.isInteger(id)) fail('A cohort filter needs a cohort id in value.');
  if (path.has(id)) fail(`Cohort ${id} refers to itself.`);
  const cohort = cohorts.get(id);
  if (!cohort) fail(`Cohort ${id} does not exist.`);
  if (cohort.is_static) {
    const members = {
      node: 'SelectQuery',
      select: [field('person_id')],
      select_from: { node: 'JoinExpr', table: field('static_cohort_people') },
      where: compare(field('cohort_id'), '==', constant(id)),
    };
    return compare(field('person_id'), 'in', members);
  }
  const inner = new Set(path).add(id);
  const walk = (node: unknown): AstNode => {
    if (isObject(node) && (node.type === 'AND' || node.type === 'OR') && Array.isArray(node.values)) {
      const parts = node.values.map(walk);
      if (!parts.length) return constant(true);
      return node.type === 'AND' ? and(...parts) : or(...parts);
    }
    if (!isObject(node)) return fail(`Cohort ${id} has a malformed filter.`);
    let expr: AstNode;
    if (node.type === 'person') expr = personFilter(node);
    else if (COHORT_FILTER_TYPES.has(node.type)) expr = membershipOf(node, cohorts, personFilter, inner);
    else return fail(`Cohort ${id}: cohort filters of type "${describeValue(node.type)}" (behavioural) are not supported in HogQL yet.`);
    return node.negation === true ? not(expr) : expr;
  };
  const group = cohort.filters?.properties;
  return group ? walk(group) : constant(true);
}

/** A cohort filter: membership of the named cohort, or its complement (cycles checked along `path`). */
function membershipOf(node: Record<string, unknown>, cohorts: FilterCohorts, personFilter: (f: Record<string, unknown>) => AstNode, path: Set<number>): AstNode {
  const member = membershipExpr(Number(node.value), cohorts, personFilter, path);
  return node.operator === 'not_in' ? not(member) : member;
}
