import type { CaptureLimits } from './limits';

/**
 * The capture paths (contract §0), without trailing slash; each is served with and without one.
 * `/s` (replay) and `/i/v1/analytics/events` (Capture V1) are not served yet.
 */
export const CAPTURE_PATHS = ['/e', '/i/v0/e', '/batch', '/capture', '/track', '/engage'] as const;
export type CapturePath = (typeof CAPTURE_PATHS)[number];

const BY_PATH: ReadonlyMap<string, CapturePath> = new Map(CAPTURE_PATHS.flatMap((p) => [[p, p], [`${p}/`, p]] as const));

/** The capture path a request path names (`/e/` → `/e`), or undefined. */
export function capturePathOf(path: string): CapturePath | undefined {
  return BY_PATH.get(path);
}

/** Paths whose payload may be base64 a second time once decompressed (contract §1.1 step 6). */
const LEGACY: ReadonlySet<string> = new Set(['/e', '/capture', '/engage', '/track']);
export function isLegacyPath(path: CapturePath): boolean {
  return LEGACY.has(path);
}

/** `/engage` accepts events without a name (Mixpanel-style people updates become `$identify`). */
export function isEngagePath(path: CapturePath): boolean {
  return path === '/engage';
}

/** The request-body cap of a path's family. */
export function bodyLimitOf(path: CapturePath, limits: CaptureLimits): number {
  return path === '/batch' ? limits.batchBodyBytes : limits.eventsBodyBytes;
}
