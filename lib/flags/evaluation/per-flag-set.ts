import type { Cohort, FeatureFlag } from '../types';

/** Answers kept for one flag set and its cohorts, by a key of the caller's (e.g. the requested flag keys). */
type Answers<T> = Map<string, T>;

/** At most this many keys per flag set: callers inventing new keys cannot grow it without end. */
const MAX_KEYS = 256;

/**
 * A cache of what depends only on a team's definitions (the flag set and its cohorts), kept as
 * long as that definitions snapshot lives: /flags asks the same questions of it on every request.
 * The flag set and cohorts are identified by object, so a new snapshot starts empty.
 */
export function perFlagSet<T>(): (flags: readonly FeatureFlag[], cohorts: ReadonlyMap<number, Cohort>, key: string, compute: () => T) => T {
  const bySet = new WeakMap<readonly FeatureFlag[], WeakMap<ReadonlyMap<number, Cohort>, Answers<T>>>();
  return (flags, cohorts, key, compute) => {
    let byCohorts = bySet.get(flags);
    if (!byCohorts) bySet.set(flags, (byCohorts = new WeakMap()));
    let answers = byCohorts.get(cohorts);
    if (!answers) byCohorts.set(cohorts, (answers = new Map()));
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = compute();
      if (answers.size >= MAX_KEYS) answers.clear();
      answers.set(key, answer);
    }
    return answer;
  };
}
