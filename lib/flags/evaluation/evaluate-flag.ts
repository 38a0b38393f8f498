import type { FeatureFlag, FlagCondition, FlagEvaluation, FlagReasonCode } from '../types';
import { lookup } from '../../lookup';
import { matchCohortFilter } from './cohorts';
import { flagEvaluatesTo, resolveFlagReference } from './dependencies';
import type { EvaluationState } from './evaluation-state';
import { flagHash, isHeldOut, variantFor } from './hash';
import { matchProperty, type MatchResult } from './match-property';
import { REASON_SCORE, result } from './reasons';

/** Whose key a condition buckets on, and whose properties its untyped filters read. */
interface Subject {
  readonly identifier: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** Person bucketing (contract §3.4): continuity hash key, else `$device_id` for device bucketing, else distinct id. */
function personSubject(flag: FeatureFlag, state: EvaluationState): Subject | undefined {
  const { ctx } = state;
  const override = flag.ensure_experience_continuity ? lookup(ctx.hashKeyOverrides, flag.key) : undefined;
  const identifier = override ?? (flag.bucketing_identifier === 'device_id' ? ctx.deviceId || undefined : ctx.distinctId);
  return identifier === undefined ? undefined : { identifier, properties: ctx.personProperties };
}

/** The group of type `index` the request named, with its properties; undefined when not supplied. */
function groupSubject(index: number, state: EvaluationState): Subject | undefined {
  const { ctx } = state;
  const name = ctx.groupTypes.get(index);
  const key = name === undefined ? undefined : ctx.groups[name];
  if (key === undefined || key === null || key === '') return undefined;
  return { identifier: String(key), properties: ctx.groupProperties[name!] ?? { $group_key: key } };
}

const aggregationOf = (flag: FeatureFlag, condition: FlagCondition): number | null =>
  condition.aggregation_group_type_index !== undefined ? condition.aggregation_group_type_index : flag.filters.aggregation_group_type_index ?? null;

type ConditionOutcome = 'match' | 'no_match' | 'out_of_rollout';

function filtersMatch(condition: FlagCondition, subject: Subject, aggregation: number | null, state: EvaluationState): boolean {
  for (const filter of condition.properties ?? []) {
    let r: MatchResult;
    switch (filter.type) {
      case 'flag': {
        const dep = resolveFlagReference(String(filter.key), state.index);
        const value = dep && state.values.get(dep.id);
        r = value === undefined ? undefined : flagEvaluatesTo(filter.value, value);
        break;
      }
      case 'cohort': r = matchCohortFilter(filter, state); break;
      case 'person': r = matchProperty(filter, state.ctx.personProperties, state.ctx.now); break;
      case 'group': {
        const index = filter.group_type_index ?? aggregation;
        const group = index === null || index === undefined ? undefined : groupSubject(index, state);
        r = matchProperty(filter, group?.properties ?? EMPTY, state.ctx.now);
        break;
      }
      case undefined: case null: r = matchProperty(filter, subject.properties, state.ctx.now); break;
      default: r = undefined; // event filters and unknown types cannot be evaluated for a flag
    }
    if (r !== true) return false;
  }
  return true;
}

function evaluateCondition(flag: FeatureFlag, condition: FlagCondition, subject: Subject, aggregation: number | null, state: EvaluationState): ConditionOutcome {
  if (!filtersMatch(condition, subject, aggregation, state)) return 'no_match';
  const rollout = condition.rollout_percentage ?? 100;
  return flagHash(flag.key, subject.identifier) > rollout / 100 ? 'out_of_rollout' : 'match';
}

function matchedVariant(flag: FeatureFlag, condition: FlagCondition, subject: Subject): string | null {
  const variants = flag.filters.multivariate?.variants ?? [];
  if (condition.variant && variants.some((v) => v.key === condition.variant)) return condition.variant;
  return variants.length ? variantFor(flag.key, subject.identifier, variants) : null;
}

/**
 * Evaluates one active flag whose dependencies are already in `state.values` (contract §3.4):
 * super condition, holdout, then the release conditions with variant overrides first (each
 * keeping its original index), and when none matches the best-scoring reason seen.
 */
export function evaluateFlag(flag: FeatureFlag, state: EvaluationState): FlagEvaluation {
  const filters = flag.filters;
  const flagAggregation = filters.aggregation_group_type_index ?? null;
  const person = personSubject(flag, state);

  // 1. Early-access super condition (person-level): decides the flag when its property is set.
  const superCondition = filters.super_groups?.[0];
  if (superCondition && person) {
    const props = superCondition.properties ?? [];
    const relevant = props.length === 0 || props.some((p) => Object.prototype.hasOwnProperty.call(state.ctx.personProperties, p.key));
    if (relevant) {
      const matched = evaluateCondition(flag, superCondition, person, null, state) === 'match';
      if (matched || props.length > 0) return result(flag, matched, null, 'super_condition_value', 0);
    }
  }

  // 2. Experiment holdout, bucketed on the flag-level identifier.
  const holdout = filters.holdout;
  if (holdout && holdout.id !== undefined && holdout.id !== null) {
    const subject = flagAggregation === null ? person : groupSubject(flagAggregation, state);
    if (subject && isHeldOut(subject.identifier, holdout.exclusion_percentage)) {
      return result(flag, true, `holdout-${holdout.id}`, 'holdout_condition_value', null);
    }
  }

  // 3. Release conditions, variant overrides first (stable), original indexes kept.
  let bestCode: FlagReasonCode | undefined;
  let bestIndex: number | null = null;
  for (const { condition, index } of orderedConditions(flag)) {
    const aggregation = aggregationOf(flag, condition);
    const subject = aggregation === null ? person : groupSubject(aggregation, state);
    let code: FlagReasonCode;
    if (!subject) {
      // A group condition without its group, or device bucketing without a device id: skipped.
      code = aggregation === null ? 'out_of_rollout_bound' : 'no_group_type';
    } else {
      const outcome = evaluateCondition(flag, condition, subject, aggregation, state);
      if (outcome === 'match') return result(flag, true, matchedVariant(flag, condition, subject), 'condition_match', index);
      code = outcome === 'out_of_rollout' ? 'out_of_rollout_bound' : 'no_condition_match';
    }
    // The best-scoring reason seen; a later one of the same score wins.
    if (bestCode === undefined || REASON_SCORE[bestCode] <= REASON_SCORE[code]) {
      bestCode = code;
      bestIndex = index;
    }
    if (code === 'out_of_rollout_bound' && subject && filters.early_exit) break;
  }
  return result(flag, false, null, bestCode ?? 'no_condition_match', bestIndex);
}

/**
 * A flag's release conditions in evaluation order, variant overrides first (stable), each with
 * its index in `filters.groups`. Kept per flag object: definitions are immutable snapshots, and
 * /flags evaluates every flag on every request.
 */
const conditionOrder = new WeakMap<FeatureFlag, readonly { readonly condition: FlagCondition; readonly index: number }[]>();

function orderedConditions(flag: FeatureFlag): readonly { readonly condition: FlagCondition; readonly index: number }[] {
  let ordered = conditionOrder.get(flag);
  if (!ordered) {
    const indexed = (flag.filters.groups ?? []).map((condition, index) => ({ condition, index }));
    ordered = [...indexed.filter((c) => c.condition.variant), ...indexed.filter((c) => !c.condition.variant)];
    conditionOrder.set(flag, ordered);
  }
  return ordered;
}
