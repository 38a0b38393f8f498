/** Exponential backoff with full jitter, shared by the adapters that retry. */
export interface BackoffOptions {
  /** Upper bound of the first delay. @default 50 */
  readonly baseDelayMs?: number;
  /** No delay exceeds this. @default 2000 */
  readonly maxDelayMs?: number;
}

/**
 * The delay before retry number `attempt` (1 for the first retry): uniform in
 * [0, min(max, base · 2^(attempt-1))], so that throttled writers spread out instead of
 * retrying in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 2000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
