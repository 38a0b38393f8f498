/**
 * The per-actor funnel: one row per actor (person, or group) with how many steps it completed
 * (`level`) and when (`times`, ms). Each actor's events in the range that match a step or an
 * exclusion are gathered in time order (all its events for strict funnels); every step-0 event
 * (any step event for unordered funnels) starts an attempt, and the attempt reaching furthest
 * counts (for strict and unordered funnels the earliest among equals):
 * - ordered: step k is a later event matching step k within the window of the start; a step
 *   continues the partial funnel with the latest start (as PostHog takes the latest step-0 event
 *   before the next step), and the first completion of the furthest step counts;
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
  /**
   * Array(String) SQL of the partitions an event belongs to (cohort breakdowns: the keys of the
   * cohorts its person is in), or null. Each actor runs one funnel per partition over that
   * partition's events, with `b` = the key: a person in two cohorts counts in both.
   */
  readonly partitions?: string | null;
  /** Whose breakdown value an actor takes: its step-0 event, its last step's, or step N's (else step 0's). */
  readonly attribution: 'first_touch' | 'last_touch' | { readonly step: number };
}

/** SELECT actor, level, times (Array(Int64) ms), b FROM ... (one row per actor with level ≥ 1). */
export function perActorSql(spec: FunnelSqlSpec): string {
  const n = spec.steps.length;
  const bits = [...spec.steps, ...spec.exclusions.map((e) => e.sql)];
  const mask = bits.map((c, i) => `bitShiftLeft(toUInt64(${c}), ${i})`).join(' + ');
  const relevant = spec.order === 'strict' ? '1' : bits.map((c) => `(${c})`).join(' OR ');
  const w = `${spec.windowMs}`;
  const stepMask = (1 << n) - 1;
  // Without a breakdown, each event packs into one UInt64 (ms << 16 | step bits): sorting a
  // plain integer array is several times cheaper than sorting tuples.
  const packed = !spec.breakdown && bits.length <= 16;
  /** The time (ms) and the step bits of an event element. */
  const T = (x: string) => (packed ? `toInt64(bitShiftRight(${x}, 16))` : `${x}.1`);
  const BIT = (x: string, k: number | string) => (packed ? `bitTest(${x}, ${k})` : `bitTest(${x}.2, ${k})`);
  const MASK = (x: string) => (packed ? x : `${x}.2`);
  const starts =
    spec.order === 'unordered'
      ? `arrayFilter(i -> bitAnd(${MASK('evs[i]')}, ${stepMask}) != 0, arrayEnumerate(evs))`
      : `arrayFilter(i -> ${BIT('evs[i]', 0)}, arrayEnumerate(evs))`;
  let best: string;
  const columns: string[] = [];
  if (spec.order === 'ordered') {
    // Vectorised over the actor's events (no per-event loop): V{k}[i] = i when event i completes
    // step k of a partial funnel, whose start is S{k}[i]; P{k}[i] = the latest such event before
    // i (it has the latest start, leaving the most window). The furthest step reached wins; its
    // first completion is traced back through P to the events of each earlier step.
    // (S1 = P0: a step-1 partial starts at the step-0 event before it.)
    columns.push(`arrayMap((e, i) -> if(${BIT('e', 0)}, i, 0), evs, arrayEnumerate(evs)) AS V0`);
    for (let k = 1; k < n; k++) {
      const start = k === 1 ? 'p' : `S${k - 1}[p]`;
      columns.push(
        `arrayPushFront(arrayPopBack(arrayFill(x -> x != 0, V${k - 1})), 0) AS P${k - 1}`,
        `arrayMap((e, i, p) -> if(${BIT('e', k)} AND p > 0 AND ${T('e')} <= ${T(`evs[${start}]`)} + ${w}, i, 0), evs, arrayEnumerate(evs), P${k - 1}) AS V${k}`,
      );
      if (k < n - 1) columns.push(k === 1 ? 'P0 AS S1' : `arrayMap(p -> if(p > 0, S${k - 1}[p], 0), P${k - 1}) AS S${k}`);
    }
    const reached = Array.from({ length: n }, (_, k) => n - 1 - k).map((k) => `arrayExists(x -> x > 0, V${k}), ${k + 1}`);
    columns.push(`multiIf(${reached.join(', ')}, 0) AS reached`);
    for (let k = n - 1; k >= 0; k--) {
      const first = `arrayFirst(x -> x > 0, V${k})`;
      columns.push(k === n - 1 ? `if(reached = ${n}, ${first}, 0) AS E${k}` : `if(reached > ${k + 1}, P${k}[E${k + 1}], if(reached = ${k + 1}, ${first}, 0)) AS E${k}`);
    }
    best = `arraySlice([${Array.from({ length: n }, (_, k) => `toUInt64(E${k})`).join(', ')}], 1, reached)`;
  } else {
    const attempt =
      spec.order === 'strict'
        ? `arrayFold((acc, k) -> if(length(acc) != k, acc, arrayConcat(acc, arrayFilter(x -> x > 0, [if(s + k <= length(evs) AND ${BIT('evs[s + k]', 'k')} AND ${T('evs[s + k]')} <= ${T('evs[s]')} + ${w}, toUInt64(s + k), 0)]))), range(1, ${n}), [toUInt64(s)])`
        : `arraySort(arrayFilter(x -> x > 0, arrayMap(k -> toUInt64(arrayFirstIndex((e, i) -> i >= s AND ${BIT('e', 'k')} AND ${T('e')} <= ${T('evs[s]')} + ${w}, evs, arrayEnumerate(evs))), range(${n}))))`;
    best = `arraySort(a -> (-toInt64(length(a)), a[1]), arrayMap(s -> ${attempt}, ${starts}))[1]`;
  }
  const excluded = spec.exclusions.length
    ? spec.exclusions
        .map((e, x) => {
          const from = T(`evs[best[${e.from + 1}]]`);
          const to = `if(level > ${e.to}, ${T(`evs[best[${e.to + 1}]]`)}, ${T('evs[best[1]]')} + ${w})`;
          return `(level > ${e.from} AND arrayExists(e -> ${BIT('e', n + x)} AND ${T('e')} > ${from} AND ${T('e')} < ${to}, evs))`;
        })
        .join(' OR ')
    : '0';
  const events = packed
    ? `arraySort(groupArray(bitOr(bitShiftLeft(toUInt64(toUnixTimestamp64Milli(timestamp)), 16), ${mask})))`
    : `arraySort(groupArray((toUnixTimestamp64Milli(timestamp), ${mask}${spec.breakdown ? `, ${spec.breakdown}` : ''})))`;
  const attribution = spec.attribution;
  const part = spec.partitions ?? null;
  const b = part
    ? 'part'
    : !spec.breakdown
      ? "''"
      : attribution === 'last_touch'
        ? 'evs[best[-1]].3'
        : typeof attribution === 'object'
          ? `evs[best[if(level > ${attribution.step}, ${attribution.step + 1}, 1)]].3`
          : 'evs[best[1]].3';
  return `SELECT actor, level, times, b FROM (
  SELECT actor,${columns.map((c) => `\n    ${c},`).join('')}
    ${best} AS best,
    length(best) AS level,
    arrayMap(j -> ${T('evs[j]')}, best) AS times,
    ${b} AS b,
    ${excluded} AS excluded
  FROM (
    SELECT ${spec.actor} AS actor,${part ? ` arrayJoin(${part}) AS part,` : ''}
      ${events} AS evs
    FROM events WHERE ${spec.where} AND (${relevant})
    GROUP BY actor${part ? ', part' : ''}
  )
) WHERE level > 0 AND NOT excluded`;
}
