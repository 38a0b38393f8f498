import type { EvaluationContext } from '../types';
import type { FlagIndex, FlagValue } from './dependencies';

/** What one `evaluateFlags` call shares across its flags: the request, dependency values, cohort results. */
export interface EvaluationState {
  readonly ctx: EvaluationContext;
  readonly index: FlagIndex;
  /** Values of flags already evaluated (dependencies), by id; inactive and filtered-out flags are false. */
  readonly values: Map<number, FlagValue>;
  /** Dynamic cohort membership of this person, by cohort id (undefined = could not be decided). */
  readonly cohortResults: Map<number, boolean | undefined>;
}

export function createEvaluationState(ctx: EvaluationContext, index: FlagIndex): EvaluationState {
  return { ctx, index, values: new Map(), cohortResults: new Map() };
}
