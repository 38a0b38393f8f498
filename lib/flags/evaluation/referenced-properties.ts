import type { Cohort, FeatureFlag, FlagCondition, PropertyFilter, PropertyGroup } from '../types';
import { indexFlags, resolveFlagReference } from './dependencies';
import { perFlagSet } from './per-flag-set';

/** What evaluating a set of flags reads, so `/flags` can skip the database when overrides cover it (contract §3.4a). */
export interface ReferencedProperties {
  /** Person property keys read by conditions, super conditions and (nested) dynamic cohorts. */
  readonly person: ReadonlySet<string>;
  /** Group type index → group property keys read. */
  readonly groups: ReadonlyMap<number, ReadonlySet<string>>;
  /** A static cohort is referenced: membership must be read from the database. */
  readonly staticCohorts: boolean;
  /** A flag with experience continuity is involved: hash-key overrides must be read. */
  readonly continuity: boolean;
}

const isGroup = (v: PropertyGroup | PropertyFilter): v is PropertyGroup => Array.isArray((v as PropertyGroup).values);

/**
 * The person and group properties, static cohorts and continuity that evaluating `keys` (all
 * flags when absent) needs, following flag dependencies and nested cohorts. Deleted and inactive
 * flags are not evaluated, so they reference nothing (except as dependencies, where they are false).
 */
export function referencedProperties(flags: readonly FeatureFlag[], cohorts: ReadonlyMap<number, Cohort>, keys?: readonly string[]): ReferencedProperties {
  // Kept per definitions snapshot, as /flags asks on every request.
  return remembered(flags, cohorts, keys ? JSON.stringify(keys) : '*', () => collect(flags, cohorts, keys));
}

const remembered = perFlagSet<ReferencedProperties>();

function collect(flags: readonly FeatureFlag[], cohorts: ReadonlyMap<number, Cohort>, keys?: readonly string[]): ReferencedProperties {
  const index = indexFlags(flags);
  const person = new Set<string>();
  const groups = new Map<number, Set<string>>();
  let staticCohorts = false;
  let continuity = false;
  const seenFlags = new Set<number>();
  const seenCohorts = new Set<number>();
  const pending: FeatureFlag[] = [];

  const addGroup = (index: number, key: string) => {
    let set = groups.get(index);
    if (!set) groups.set(index, (set = new Set()));
    set.add(key);
  };
  const addFlag = (flag: FeatureFlag | undefined) => {
    if (flag && flag.active && !seenFlags.has(flag.id)) {
      seenFlags.add(flag.id);
      pending.push(flag);
    }
  };
  const visitCohort = (id: number) => {
    if (seenCohorts.has(id)) return;
    seenCohorts.add(id);
    const cohort = cohorts.get(id);
    if (!cohort || cohort.deleted) return;
    if (cohort.is_static) staticCohorts = true;
    else visitTree(cohort.filters?.properties);
  };
  const visitTree = (group: PropertyGroup | undefined) => {
    for (const v of group?.values ?? []) {
      if (isGroup(v)) visitTree(v);
      else if (v.type === 'cohort') visitCohort(Number(v.value));
      else if (v.type === 'flag') addFlag(resolveFlagReference(String(v.key), index));
      else person.add(v.key);
    }
  };
  const visitCondition = (flag: FeatureFlag, condition: FlagCondition, superCondition: boolean) => {
    const aggregation = superCondition ? null : condition.aggregation_group_type_index !== undefined ? condition.aggregation_group_type_index : flag.filters.aggregation_group_type_index ?? null;
    for (const filter of condition.properties ?? []) {
      if (filter.type === 'cohort') visitCohort(Number(filter.value));
      else if (filter.type === 'flag') addFlag(resolveFlagReference(String(filter.key), index));
      else if (filter.type === 'group') {
        const groupIndex = filter.group_type_index ?? aggregation;
        if (groupIndex !== null && groupIndex !== undefined) addGroup(groupIndex, filter.key);
      } else if (filter.type === 'person' || aggregation === null) person.add(filter.key);
      else addGroup(aggregation, filter.key);
    }
  };

  const wanted = keys ? new Set(keys) : undefined;
  for (const flag of index.byId.values()) if (!wanted || wanted.has(flag.key)) addFlag(flag);
  while (pending.length) {
    const flag = pending.pop()!;
    if (flag.ensure_experience_continuity) continuity = true;
    for (const condition of flag.filters.groups ?? []) visitCondition(flag, condition, false);
    for (const condition of flag.filters.super_groups ?? []) visitCondition(flag, condition, true);
  }
  return { person, groups, staticCohorts, continuity };
}
