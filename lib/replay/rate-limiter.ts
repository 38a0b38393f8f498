/**
 * Limits how many NEW sessions a team may start recording: a token bucket per team, spent only
 * by sessions not seen before. A session once admitted is never limited (cutting a recording in
 * the middle leaves it unplayable); a session once refused stays refused while it is remembered
 * (admitting it later would store a recording without its full snapshot).
 */
export interface NewSessionRateLimiter {
  /** Whether the team's session may be recorded now. */
  admit(teamId: number, sessionId: string, nowMs: number): boolean;
}

export interface NewSessionRateLimiterOptions {
  /** Bucket size: new sessions a team may start in a burst. @default 1000 */
  readonly burst?: number;
  /** Tokens added per second (sustained new sessions per second per team). @default 10 */
  readonly perSecond?: number;
  /** Sessions remembered (admitted or refused), least recently seen forgotten first. @default 200_000 */
  readonly maxSessions?: number;
  /** A session unseen for this long is forgotten. @default 24 h (posthog-js sessions last at most 24 h) */
  readonly sessionTtlMs?: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

interface Seen {
  admitted: boolean;
  seenMs: number;
}

/**
 * The in-process limiter. Each capture process (each Lambda container) keeps its own buckets, so
 * the effective rate scales with the number of processes: it is a guard against a runaway client
 * or a traffic spike, not a billing quota.
 */
export function createNewSessionRateLimiter(options: NewSessionRateLimiterOptions = {}): NewSessionRateLimiter {
  const burst = options.burst ?? 1000;
  const perSecond = options.perSecond ?? 10;
  const maxSessions = options.maxSessions ?? 200_000;
  const ttl = options.sessionTtlMs ?? 24 * 3600 * 1000;
  if (!(burst >= 1) || !(perSecond >= 0) || !(maxSessions >= 1)) throw new RangeError('rate limiter: burst ≥ 1, perSecond ≥ 0 and maxSessions ≥ 1');
  const buckets = new Map<number, Bucket>();
  // A Map iterates in insertion order: re-inserting on every hit keeps it an LRU.
  const sessions = new Map<string, Seen>();

  const remember = (key: string, admitted: boolean, nowMs: number) => {
    sessions.delete(key);
    sessions.set(key, { admitted, seenMs: nowMs });
    if (sessions.size > maxSessions) sessions.delete(sessions.keys().next().value as string);
  };

  return {
    admit(teamId, sessionId, nowMs) {
      const key = `${teamId}:${sessionId}`;
      const seen = sessions.get(key);
      if (seen && nowMs - seen.seenMs <= ttl) {
        remember(key, seen.admitted, nowMs);
        return seen.admitted;
      }
      let bucket = buckets.get(teamId);
      if (!bucket) buckets.set(teamId, (bucket = { tokens: burst, updatedMs: nowMs }));
      bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, nowMs - bucket.updatedMs) / 1000) * perSecond);
      bucket.updatedMs = nowMs;
      const admitted = bucket.tokens >= 1;
      if (admitted) bucket.tokens -= 1;
      remember(key, admitted, nowMs);
      return admitted;
    },
  };
}

/** No limit at all. */
export const UNLIMITED_SESSIONS: NewSessionRateLimiter = { admit: () => true };
