import type { PropertyFilter, PropertyGroup } from '../types';
import { flagEvaluatesTo, resolveFlagReference } from './dependencies';
import type { EvaluationState } from './evaluation-state';
import { matchProperty, type MatchResult } from './match-property';

/**
 * Cohort filters (contract §3.7). Static cohorts answer by membership (`ctx.staticCohortIds`);
 * dynamic cohorts evaluate their property-group tree against the person's properties: nested
 * AND/OR groups, leaves that are person filters, nested cohort filters or flag filters, each
 * optionally negated. AND short-circuits on a false leaf and OR on a true one; a leaf that cannot
 * be decided (unknown operator, a cycle, a deleted nested cohort, an unevaluated flag) leaves its
 * group undecided only when no other leaf decided it.
 */

const isGroup = (v: PropertyGroup | PropertyFilter): v is PropertyGroup => Array.isArray((v as PropertyGroup).values);

function evaluateGroup(group: PropertyGroup, state: EvaluationState, visiting: Set<number>): MatchResult {
  const type = (group.type as string) === 'OR' ? 'OR' : (group.type as string) === 'AND' || (group.type as string) === 'property' || group.type === undefined ? 'AND' : undefined;
  if (!type) return undefined;
  let undecided = false;
  for (const v of group.values ?? []) {
    const r = isGroup(v) ? evaluateGroup(v, state, visiting) : evaluateLeaf(v, state, visiting);
    if (r === undefined) undecided = true;
    else if (type === 'AND' && !r) return false;
    else if (type === 'OR' && r) return true;
  }
  return undecided ? undefined : type === 'AND';
}

function evaluateLeaf(filter: PropertyFilter, state: EvaluationState, visiting: Set<number>): MatchResult {
  let r: MatchResult;
  if (filter.type === 'cohort') {
    const member = membership(Number(filter.value), state, visiting);
    r = member === 'missing' ? undefined : member;
    if (r !== undefined && filter.operator === 'not_in') r = !r;
  } else if (filter.type === 'flag') {
    const dep = resolveFlagReference(String(filter.key), state.index);
    const value = dep && state.values.get(dep.id);
    r = value === undefined ? undefined : flagEvaluatesTo(filter.value, value);
  } else if (filter.type === undefined || filter.type === 'person') {
    r = matchProperty(filter, state.ctx.personProperties, state.ctx.now);
  }
  return r !== undefined && filter.negation ? !r : r;
}

/** Whether the person is in cohort `id`; 'missing' for a deleted or unknown cohort. */
export function membership(id: number, state: EvaluationState, visiting: Set<number> = new Set()): MatchResult | 'missing' {
  const cohort = state.ctx.cohorts.get(id);
  if (!cohort || cohort.deleted) return 'missing';
  if (cohort.is_static) return state.ctx.staticCohortIds.has(id);
  if (state.cohortResults.has(id)) return state.cohortResults.get(id);
  if (visiting.has(id)) return undefined; // a cohort that (indirectly) contains itself
  const tree = cohort.filters?.properties;
  visiting.add(id);
  const result = tree ? evaluateGroup(tree, state, visiting) : false;
  visiting.delete(id);
  // A result reached while an enclosing cohort was being evaluated may depend on that cycle; cache only top-level ones.
  if (visiting.size === 0) state.cohortResults.set(id, result);
  return result;
}

/**
 * A condition's cohort filter `{key:'id', type:'cohort', value:<id>, operator:'in'|'not_in'}`:
 * a deleted or unknown cohort never matches (neither `in` nor `not_in`); undefined when undecided.
 */
export function matchCohortFilter(filter: PropertyFilter, state: EvaluationState): MatchResult {
  const member = membership(Number(filter.value), state);
  if (member === 'missing' || member === undefined) return member === 'missing' ? false : undefined;
  return filter.operator === 'not_in' ? !member : member;
}
