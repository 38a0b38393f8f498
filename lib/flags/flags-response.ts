import type { FlagEvaluation } from './types';

/** Config fields PostHog adds to `/flags?config=true` and to every `/decide` answer (contract §3.2, §4.1). */
export type ConfigFields = Record<string, unknown>;

export interface FlagsAnswer {
  readonly flags: Record<string, FlagEvaluation>;
  readonly errors: boolean;
  readonly requestId: string;
  readonly evaluatedAt: number;
}

/** `/flags?v=2` and `/decide?v=4`: the `flags` map with reasons and metadata. */
export function v2Body(answer: FlagsAnswer, config?: ConfigFields): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(answer.flags)) {
    flags[key] = {
      key,
      enabled: f.enabled,
      variant: f.variant,
      reason: f.reason,
      metadata: { id: f.id, version: f.version, description: null, payload: f.enabled ? f.payload : null },
      ...(f.failed ? { failed: true } : {}),
    };
  }
  return { flags, errorsWhileComputingFlags: answer.errors, requestId: answer.requestId, evaluatedAt: answer.evaluatedAt, ...config };
}

/** `/flags?v=1` and `/decide?v=3`: `featureFlags` with every flag, payloads of the enabled ones. */
export function legacyBody(answer: FlagsAnswer, config?: ConfigFields): Record<string, unknown> {
  const featureFlags: Record<string, string | boolean> = {};
  const featureFlagPayloads: Record<string, string> = {};
  for (const [key, f] of Object.entries(answer.flags)) {
    if (f.failed) continue;
    featureFlags[key] = f.enabled ? (f.variant ?? true) : false;
    if (f.enabled && f.payload !== null) featureFlagPayloads[key] = f.payload;
  }
  return { featureFlags, featureFlagPayloads, errorsWhileComputingFlags: answer.errors, requestId: answer.requestId, ...config };
}

/** `/decide?v=2`: only enabled flags, `{key: true|variant}`. */
export function decideV2Body(answer: FlagsAnswer, config?: ConfigFields): Record<string, unknown> {
  const featureFlags: Record<string, string | boolean> = {};
  for (const [key, f] of Object.entries(answer.flags)) if (f.enabled && !f.failed) featureFlags[key] = f.variant ?? true;
  return { featureFlags, errorsWhileComputingFlags: answer.errors, requestId: answer.requestId, ...config };
}

/** `/decide?v=1` (or no v): the keys of the enabled flags. */
export function decideV1Body(answer: FlagsAnswer, config?: ConfigFields): Record<string, unknown> {
  const featureFlags = Object.entries(answer.flags)
    .filter(([, f]) => f.enabled && !f.failed)
    .map(([key]) => key);
  return { featureFlags, errorsWhileComputingFlags: answer.errors, requestId: answer.requestId, ...config };
}
