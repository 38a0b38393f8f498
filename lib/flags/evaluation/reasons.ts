import type { FeatureFlag, FlagEvaluation, FlagReasonCode } from '../types';

/** Reason precedence when no condition matched (contract §3.4 step 4); ties go to the later condition. */
export const REASON_SCORE: Readonly<Record<FlagReasonCode, number>> = {
  super_condition_value: 6,
  holdout_condition_value: 5,
  condition_match: 4,
  out_of_rollout_bound: 3,
  no_condition_match: 2,
  no_group_type: 1,
  flag_disabled: 0,
  missing_dependency: -1,
};

export function describeReason(code: FlagReasonCode, conditionIndex: number | null): string {
  switch (code) {
    case 'condition_match': return `Matched condition set ${(conditionIndex ?? 0) + 1}`;
    case 'no_condition_match': return 'No matching condition set';
    case 'out_of_rollout_bound': return 'Out of rollout bound';
    case 'no_group_type': return 'No group type';
    case 'super_condition_value': return 'Super condition value';
    case 'holdout_condition_value': return 'Holdout condition value';
    case 'flag_disabled': return 'Feature flag is disabled';
    case 'missing_dependency': return 'Flag dependency is missing or circular';
  }
}

/** The JSON-encoded payload for `variant` (or "true" for a boolean match), or null. */
export function payloadFor(flag: FeatureFlag, variant: string | null): string | null {
  const payload = flag.filters.payloads?.[variant ?? 'true'];
  if (payload === undefined || payload === null) return null;
  return typeof payload === 'string' ? payload : JSON.stringify(payload);
}

export function result(
  flag: FeatureFlag,
  enabled: boolean,
  variant: string | null,
  code: FlagReasonCode,
  conditionIndex: number | null,
  extra: { payload?: string | null; failed?: boolean; description?: string } = {},
): FlagEvaluation {
  return {
    key: flag.key,
    enabled,
    variant: enabled ? variant : null,
    reason: { code, condition_index: conditionIndex, description: extra.description ?? describeReason(code, conditionIndex) },
    payload: enabled ? (extra.payload !== undefined ? extra.payload : payloadFor(flag, variant)) : null,
    id: flag.id,
    version: flag.version,
    ...(extra.failed ? { failed: true } : {}),
  };
}
