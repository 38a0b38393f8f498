import { createHash } from 'node:crypto';

/**
 * Where replay blocks live in the blob store:
 *
 *   replay/<retention>d/<team>/<session>/<first ms>-<last ms>-<hash>.jsonl.gz
 *
 * The retention period leads the key so that object-storage lifecycle rules (one per period,
 * matching on the prefix) expire blocks without any process listing them: on S3, one rule per
 * `replay/<N>d/` prefix with expiration N days (+1 for the day boundary). Block keys are written
 * once: the hash covers the block's content and the stream records it came from.
 */
export const REPLAY_PREFIX = 'replay/';

/** The retention periods a project may pick (PostHog's 30d, 90d, 1y, 5y). */
export const RETENTION_PERIODS_DAYS = [30, 90, 365, 1825] as const;
export type RetentionPeriodDays = (typeof RETENTION_PERIODS_DAYS)[number];
export const DEFAULT_RETENTION_DAYS: RetentionPeriodDays = 30;

export function isRetentionPeriod(value: unknown): value is RetentionPeriodDays {
  return (RETENTION_PERIODS_DAYS as readonly unknown[]).includes(value);
}

/** Chunks of oversized items waiting for their other parts: `replay-parts/<team>/<session>/<chunk id>/<index>`. */
export const PARTS_PREFIX = 'replay-parts/';

export function retentionPrefix(days: RetentionPeriodDays): string {
  return `${REPLAY_PREFIX}${days}d/`;
}

/** The folder of one session's blocks under one retention period. */
export function sessionPrefix(days: RetentionPeriodDays, teamId: number, sessionId: string): string {
  return `${retentionPrefix(days)}${teamId}/${sessionId}/`;
}

export interface BlockKeyInput {
  readonly retentionDays: RetentionPeriodDays;
  readonly teamId: number;
  readonly sessionId: string;
  readonly firstTimestamp: number;
  readonly lastTimestamp: number;
  /** The block's uncompressed content. */
  readonly content: Buffer;
  /** Sequence numbers of the records it holds. */
  readonly sequenceNumbers: readonly string[];
}

export function blockKey(input: BlockKeyInput): string {
  const hash = createHash('sha256').update(input.sequenceNumbers.join(',')).update('\n').update(input.content).digest('hex').slice(0, 24);
  return `${sessionPrefix(input.retentionDays, input.teamId, input.sessionId)}${input.firstTimestamp}-${input.lastTimestamp}-${hash}.jsonl.gz`;
}

export interface ParsedBlockKey {
  readonly retentionDays: RetentionPeriodDays;
  readonly teamId: number;
  readonly sessionId: string;
  readonly firstTimestamp: number;
  readonly lastTimestamp: number;
}

const BLOCK_KEY = /^replay\/(\d+)d\/(\d+)\/([A-Za-z0-9-]{1,70})\/(\d+)-(\d+)-[0-9a-f]+\.jsonl\.gz$/;

/** A block key's parts, or undefined for any other key. */
export function parseBlockKey(key: string): ParsedBlockKey | undefined {
  const m = BLOCK_KEY.exec(key);
  if (!m) return undefined;
  const retentionDays = Number(m[1]);
  if (!isRetentionPeriod(retentionDays)) return undefined;
  return { retentionDays, teamId: Number(m[2]), sessionId: m[3], firstTimestamp: Number(m[4]), lastTimestamp: Number(m[5]) };
}

/** Whether `key` is a block of this team's session (the API checks before it reads or deletes). */
export function isBlockOf(key: string, teamId: number, sessionId: string): boolean {
  const parsed = parseBlockKey(key);
  return parsed !== undefined && parsed.teamId === teamId && parsed.sessionId === sessionId;
}
