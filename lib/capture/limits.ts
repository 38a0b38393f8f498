/** Size caps of capture (contract §1.3: the Rust router's body limits). All in bytes. */
export interface CaptureLimits {
  /** Request body (or `?data=`) on `/e`, `/i/v0/e`, `/capture`, `/track`, `/engage`, before decoding. */
  readonly eventsBodyBytes: number;
  /** Request body on `/batch`, before decoding. */
  readonly batchBodyBytes: number;
  /** Request body on `/s` (session replay), before decoding. */
  readonly replayBodyBytes: number;
  /** The payload after decompression/decoding; enforced while inflating, so a bomb stops here. */
  readonly decodedBytes: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_CAPTURE_LIMITS: CaptureLimits = {
  eventsBodyBytes: 2 * MIB,
  batchBodyBytes: 20 * MIB,
  replayBodyBytes: 25 * MIB,
  decodedBytes: 20 * MIB,
} as const;

/** Defaults overlaid with the given values; a non-positive or non-integer value is a configuration bug. */
export function resolveCaptureLimits(overrides: Partial<CaptureLimits> = {}): CaptureLimits {
  const limits = { ...DEFAULT_CAPTURE_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`capture limit ${name} must be a positive integer, got ${String(value)}`);
  }
  return limits;
}
