/**
 * The per-actor funnel: one row per actor (person, or group) with how many steps it completed
 * (`level`) and when (`times`, ms). Each actor's events in the range that match a step or an
 * exclusion are gathered in time order (all its events for strict funnels); every step-0 event
 * (any step event for unordered funnels) starts an attempt, and the attempt reaching furthest
 * counts (for strict and unordered funnels the earliest among equals):
 * - ordered: step k is a later event matching step k within the window of the start; of the
 *   attempts reaching furthest, the one with the latest start counts (as PostHog takes the
 *   latest step-0 event before the next step), computed in one pass over the events;
 * - strict: step k must be the very next event of the actor, within the window;
 * - unordered: the first event of each step at or after the start within the window, in any order.
 * Exclusions: an actor whose counted attempt has an exclusion event after its `funnelFromStep`
 * event and before its `funnelToStep` event (before the window ends when it did not get there)
 * is left out of the funnel altogether.
 */
export type FunnelOrder = 'ordered' | 'strict' | 'unordered';

export interface FunnelSqlSpec {
  readonly actor: string;
  readonly where: string;
  readonly steps: readonly string[];
  readonly exclusions: readonly { readonly sql: string; readonly from: number; readonly to: number }[];
  readonly order: FunnelOrder;
  readonly windowMs: number;
  /** String SQL of the breakdown value per event, or null. */
  readonly breakdown: string | null;
  readonly attribution: 'first_touch' | 'last_touch';
}

/** SELECT actor, level, times (Array(Int64) ms), b FROM ... (one row per actor with level ≥ 1). */
export function perActorSql(spec: FunnelSqlSpec): string {
  const n = spec.steps.length;
  const bits = [...spec.steps, ...spec.exclusions.map((e) => e.sql)];
  const mask = bits.map((c, i) => `bitShiftLeft(toUInt64(${c}), ${i})`).join(' + ');
  const relevant = spec.order === 'strict' ? '1' : bits.map((c) => `(${c})`).join(' OR ');
  const w = `${spec.windowMs}`;
  const stepMask = (1 << n) - 1;
  const starts =
    spec.order === 'unordered'
      ? `arrayFilter(i -> bitAnd(evs[i].2, ${stepMask}) != 0, arrayEnumerate(evs))`
      : `arrayFilter(i -> bitTest(evs[i].2, 0), arrayEnumerate(evs))`;
  let best: string;
  if (spec.order === 'ordered') {
    // One pass: slot k holds the partial funnel (event indices of steps 0..k) with the latest
    // start that reached step k; a later start leaves more of the window for the next steps.
    const fold = `arrayFold((acc, i) -> arrayMap(k -> if(bitTest(evs[i].2, k), if(k = 0, [toUInt64(i)], if(length(acc[k]) = k AND evs[i].1 <= evs[acc[k][1]].1 + ${w} AND (empty(acc[k + 1]) OR acc[k][1] > acc[k + 1][1]), arrayPushBack(acc[k], toUInt64(i)), acc[k + 1])), acc[k + 1]), range(${n})), arrayEnumerate(evs), arrayResize([emptyArrayUInt64()], ${n}))`;
    best = `arrayFilter(a -> notEmpty(a), ${fold})[-1]`;
  } else {
    const attempt =
      spec.order === 'strict'
        ? `arrayFold((acc, k) -> if(length(acc) != k, acc, arrayConcat(acc, arrayFilter(x -> x > 0, [if(s + k <= length(evs) AND bitTest(evs[s + k].2, k) AND evs[s + k].1 <= evs[s].1 + ${w}, toUInt64(s + k), 0)]))), range(1, ${n}), [toUInt64(s)])`
        : `arraySort(arrayFilter(x -> x > 0, arrayMap(k -> toUInt64(arrayFirstIndex((e, i) -> i >= s AND bitTest(e.2, k) AND e.1 <= evs[s].1 + ${w}, evs, arrayEnumerate(evs))), range(${n}))))`;
    best = `arraySort(a -> (-toInt64(length(a)), a[1]), arrayMap(s -> ${attempt}, ${starts}))[1]`;
  }
  const excluded = spec.exclusions.length
    ? spec.exclusions
        .map((e, x) => {
          const from = `evs[best[${e.from + 1}]].1`;
          const to = `if(level > ${e.to}, evs[best[${e.to + 1}]].1, evs[best[1]].1 + ${w})`;
          return `(level > ${e.from} AND arrayExists(e -> bitTest(e.2, ${n + x}) AND e.1 > ${from} AND e.1 < ${to}, evs))`;
        })
        .join(' OR ')
    : '0';
  const b = spec.breakdown ? (spec.attribution === 'last_touch' ? 'evs[best[-1]].3' : 'evs[best[1]].3') : "''";
  return `SELECT actor, level, times, b FROM (
  SELECT actor,
    ${best} AS best,
    length(best) AS level,
    arrayMap(j -> evs[j].1, best) AS times,
    ${b} AS b,
    ${excluded} AS excluded
  FROM (
    SELECT ${spec.actor} AS actor,
      arraySort(x -> x.1, groupArray((toUnixTimestamp64Milli(timestamp), ${mask}, ${spec.breakdown ?? "''"}))) AS evs
    FROM events WHERE ${spec.where} AND (${relevant})
    GROUP BY actor
  )
) WHERE level > 0 AND NOT excluded`;
}
