import type { EvaluationContext, EvaluationRuntime, FeatureFlag, FlagEvaluation } from '../types';
import { indexFlags, planEvaluation, type EvaluationPlan, type FlagIndex } from './dependencies';
import { evaluateFlag } from './evaluate-flag';
import { createEvaluationState } from './evaluation-state';
import { perFlagSet } from './per-flag-set';
import { result } from './reasons';

export interface EvaluateFlagsOptions {
  /** Only these flag keys (`flag_keys_to_evaluate`); their dependencies are evaluated but not returned. */
  readonly keys?: readonly string[];
  /** The requesting runtime: flags scoped to the other runtime are skipped. */
  readonly runtime?: EvaluationRuntime;
  /** Only flags tagged with one of these, or untagged (`evaluation_contexts`). */
  readonly evaluationContexts?: readonly string[];
}

/** Whether a request from `runtime` may see a flag scoped to `flagRuntime`. */
export function runtimeAllows(runtime: EvaluationRuntime | undefined, flagRuntime: EvaluationRuntime | undefined): boolean {
  return !runtime || runtime === 'all' || !flagRuntime || flagRuntime === 'all' || flagRuntime === runtime;
}

/** Whether a flag's evaluation tags admit a request carrying `contexts`. */
export function contextsAllow(contexts: readonly string[] | undefined, tags: readonly string[] | undefined): boolean {
  return !contexts?.length || !tags?.length || tags.some((t) => contexts.includes(t));
}

interface Prepared {
  readonly index: FlagIndex;
  readonly targets: readonly FeatureFlag[];
  readonly plan: EvaluationPlan;
}

/**
 * What does not depend on the person (the index, the served flags, the dependency order), kept
 * per definitions snapshot: /flags then evaluates without rebuilding it on every request.
 */
const prepared = perFlagSet<Prepared>();

function prepare(flags: readonly FeatureFlag[], cohorts: EvaluationContext['cohorts'], options: EvaluateFlagsOptions): Prepared {
  const optionsKey = JSON.stringify([options.keys ?? null, options.runtime ?? null, options.evaluationContexts ?? null]);
  return prepared(flags, cohorts, optionsKey, () => {
    const index = indexFlags(flags);
    const wanted = options.keys ? new Set(options.keys) : undefined;
    const targets = [...index.byId.values()].filter((f) => (!wanted || wanted.has(f.key)) && served(f, options));
    return { index, targets, plan: planEvaluation(targets, index, cohorts) };
  });
}

function served(flag: FeatureFlag, options: EvaluateFlagsOptions): boolean {
  return flag.active && runtimeAllows(options.runtime, flag.evaluation_runtime) && contextsAllow(options.evaluationContexts, flag.evaluation_tags);
}

/**
 * Evaluates a team's flags for one person (contract §3.4). Deleted and inactive flags are
 * omitted, as are flags outside `keys` or filtered out by runtime or evaluation contexts (those
 * still count as `false` for flags depending on them). Dependencies are evaluated first; flags on
 * a dependency cycle or depending on a missing flag answer `missing_dependency` (cycles also
 * `failed`), and a flag whose evaluation throws is answered `failed` while the others are served.
 */
export function evaluateFlags(flags: readonly FeatureFlag[], ctx: EvaluationContext, options: EvaluateFlagsOptions = {}): Record<string, FlagEvaluation> {
  const { index, targets, plan } = prepare(flags, ctx.cohorts, options);
  const state = createEvaluationState(ctx, index);

  const answers = new Map<number, FlagEvaluation>();
  for (const flag of plan.order) {
    if (!served(flag, options)) {
      state.values.set(flag.id, false);
      continue;
    }
    const broken = plan.broken.get(flag.id);
    let answer: FlagEvaluation;
    if (broken) {
      answer = result(flag, false, null, 'missing_dependency', null, { failed: broken === 'cycle' });
    } else {
      try {
        answer = evaluateFlag(flag, state);
      } catch (error) {
        answer = result(flag, false, null, 'no_condition_match', null, { failed: true, description: `Evaluation failed: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
    state.values.set(flag.id, answer.enabled ? answer.variant ?? true : false);
    answers.set(flag.id, answer);
  }

  const out: Record<string, FlagEvaluation> = {};
  for (const flag of targets) out[flag.key] = answers.get(flag.id)!;
  return out;
}
