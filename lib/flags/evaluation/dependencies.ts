import type { Cohort, FeatureFlag, PropertyFilter, PropertyGroup } from '../types';

/**
 * Flag dependencies (contract §3.8): a filter `{type:'flag', key, operator:'flag_evaluates_to', value}`
 * whose key is the dependency's id as a string (stored form) or, as served to SDKs, its key.
 * Dependencies are evaluated first (topological order); a flag on a cycle, or depending on a
 * deleted/unknown flag, is not evaluated and answers `missing_dependency`.
 */

export type FlagValue = boolean | string;

export interface FlagIndex {
  readonly byId: ReadonlyMap<number, FeatureFlag>;
  readonly byKey: ReadonlyMap<string, FeatureFlag>;
}

/** Indexes the non-deleted flags by id and by key. */
export function indexFlags(flags: readonly FeatureFlag[]): FlagIndex {
  const byId = new Map<number, FeatureFlag>();
  const byKey = new Map<string, FeatureFlag>();
  for (const flag of flags) {
    if (flag.deleted) continue;
    byId.set(flag.id, flag);
    byKey.set(flag.key, flag);
  }
  return { byId, byKey };
}

/** The flag a `type:'flag'` filter names: by id (the stored form) first, then by key. */
export function resolveFlagReference(reference: string, index: FlagIndex): FeatureFlag | undefined {
  if (/^\d+$/.test(reference)) {
    const byId = index.byId.get(Number(reference));
    if (byId) return byId;
  }
  return index.byKey.get(reference);
}

/** `true` matches any enabled value (true or a variant), `false` only false, a string that variant. */
export function flagEvaluatesTo(expected: unknown, value: FlagValue): boolean {
  if (expected === true) return value === true || (typeof value === 'string' && value !== '');
  if (expected === false) return value === false;
  if (typeof expected === 'string') return value === expected;
  return false;
}

const isGroup = (v: PropertyGroup | PropertyFilter): v is PropertyGroup => Array.isArray((v as PropertyGroup).values);

/** Flag references inside a cohort tree and the cohorts it nests (each cohort visited once). */
function cohortFlagReferences(group: PropertyGroup | undefined, cohorts: ReadonlyMap<number, Cohort>, seen: Set<number>, out: string[]): void {
  for (const v of group?.values ?? []) {
    if (isGroup(v)) cohortFlagReferences(v, cohorts, seen, out);
    else if (v.type === 'flag') out.push(String(v.key));
    else if (v.type === 'cohort') {
      const id = Number(v.value);
      if (seen.has(id)) continue;
      seen.add(id);
      cohortFlagReferences(cohorts.get(id)?.filters?.properties, cohorts, seen, out);
    }
  }
}

/** The flag references a flag's evaluation needs: condition filters, super conditions and cohorts. */
export function flagReferences(flag: FeatureFlag, cohorts: ReadonlyMap<number, Cohort>): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (const condition of [...(flag.filters.groups ?? []), ...(flag.filters.super_groups ?? [])]) {
    for (const filter of condition.properties ?? []) {
      if (filter.type === 'flag') out.push(String(filter.key));
      else if (filter.type === 'cohort') {
        const id = Number(filter.value);
        if (seen.has(id)) continue;
        seen.add(id);
        cohortFlagReferences(cohorts.get(id)?.filters?.properties, cohorts, seen, out);
      }
    }
  }
  return out;
}

export type BrokenDependency = 'cycle' | 'missing';

export interface EvaluationPlan {
  /** The targets and everything they depend on, dependencies first. */
  readonly order: readonly FeatureFlag[];
  /** Flags that cannot be evaluated: on (or depending on) a cycle, or depending on an unknown flag. */
  readonly broken: ReadonlyMap<number, BrokenDependency>;
}

/** Topological evaluation order of `targets` and their transitive dependencies, with cycle detection. */
export function planEvaluation(targets: readonly FeatureFlag[], index: FlagIndex, cohorts: ReadonlyMap<number, Cohort>): EvaluationPlan {
  const state = new Map<number, 1 | 2>();
  const broken = new Map<number, BrokenDependency>();
  const order: FeatureFlag[] = [];
  const stack: number[] = [];
  const mark = (id: number, kind: BrokenDependency) => {
    if (broken.get(id) !== 'cycle') broken.set(id, kind);
  };

  const visit = (flag: FeatureFlag): void => {
    const s = state.get(flag.id);
    if (s === 2) return;
    if (s === 1) {
      for (let k = stack.indexOf(flag.id); k < stack.length; k++) mark(stack[k]!, 'cycle');
      return;
    }
    state.set(flag.id, 1);
    stack.push(flag.id);
    for (const reference of flagReferences(flag, cohorts)) {
      const dep = resolveFlagReference(reference, index);
      if (!dep) { mark(flag.id, 'missing'); continue; }
      visit(dep);
      const depBroken = broken.get(dep.id);
      if (depBroken) mark(flag.id, depBroken);
    }
    stack.pop();
    state.set(flag.id, 2);
    order.push(flag);
  };
  for (const target of targets) visit(target);
  return { order, broken };
}

/**
 * For the local-evaluation payload: the dependency chain of a flag key as PostHog serves it — the
 * key's condition-level dependencies in evaluation order, ending with the key itself; empty when
 * the key is unknown, depends on itself, on an unknown flag, or sits on a cycle.
 */
export function createDependencyChains(flagsByKey: ReadonlyMap<string, FeatureFlag>, keyOf: (reference: string) => string): (key: string) => string[] {
  const memo = new Map<string, string[]>();
  const depsOf = (flag: FeatureFlag) =>
    (flag.filters.groups ?? []).flatMap((c) => (c.properties ?? []).filter((p) => p.type === 'flag').map((p) => keyOf(String(p.key))));

  return (key) => {
    const known = memo.get(key);
    if (known) return known;
    const chain: string[] = [];
    const done = new Set<string>();
    const active = new Set<string>();
    const dfs = (k: string): boolean => {
      if (active.has(k)) return false;
      if (done.has(k)) return true;
      const flag = flagsByKey.get(k);
      if (!flag) return false;
      active.add(k);
      for (const dep of depsOf(flag)) if (dep === k || !dfs(dep)) return false;
      active.delete(k);
      done.add(k);
      chain.push(k);
      return true;
    };
    const result = dfs(key) ? chain : [];
    memo.set(key, result);
    return result;
  };
}
