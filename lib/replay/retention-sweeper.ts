import type { AnalyticsStore } from '../ports/analytics-store';
import type { BlobStore } from '../ports/blob-store';
import { PARTS_PREFIX, RETENTION_PERIODS_DAYS, parseBlockKey, retentionPrefix } from './block-key';
import { partCaptureMs } from './chunk-stash';
import { deleteExpiredRows, type ReplayTopology } from './recording-queries';

const DAY_MS = 24 * 3600 * 1000;

export interface SweepOptions {
  /** Parts of an oversized event whose siblings never came are deleted after this. @default 2 days */
  readonly partsMaxAgeMs?: number;
  readonly topology?: ReplayTopology;
}

export interface SweepOutcome {
  readonly blocksDeleted: number;
  readonly partsDeleted: number;
}

/**
 * Retention for a blob store without lifecycle rules (the local folder): deletes blocks whose
 * first event is older than their prefix's retention period, stale parts, and the expired rows
 * (ClickHouse TTL would too, but only when it merges). On S3, lifecycle rules on the
 * `replay/<N>d/` and `replay-parts/` prefixes do the blob part; run this for the rows only if
 * wanted. Blocks are judged by their key alone (retention and first timestamp are in it).
 */
export async function sweepExpiredRecordings(blobs: BlobStore, store: AnalyticsStore, now: Date = new Date(), options: SweepOptions = {}): Promise<SweepOutcome> {
  const nowMs = now.getTime();
  let blocksDeleted = 0;
  for (const days of RETENTION_PERIODS_DAYS) {
    for (const key of await blobs.list(retentionPrefix(days))) {
      const block = parseBlockKey(key);
      if (block && block.firstTimestamp + days * DAY_MS <= nowMs) {
        await blobs.delete(key);
        blocksDeleted++;
      }
    }
  }
  let partsDeleted = 0;
  const maxAge = options.partsMaxAgeMs ?? 2 * DAY_MS;
  for (const key of await blobs.list(PARTS_PREFIX)) {
    const captured = partCaptureMs(key);
    if (captured !== undefined && captured + maxAge <= nowMs) {
      await blobs.delete(key);
      partsDeleted++;
    }
  }
  await deleteExpiredRows(store, now, options.topology);
  return { blocksDeleted, partsDeleted };
}
