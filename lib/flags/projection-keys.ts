/**
 * The keys of the persons projection `/flags` reads on AWS (lib/flags/person-projection.ts), in
 * the key-value store (DynamoDB). Postgres stays the source of truth; ingestion, the cohort API
 * and the deploy-time backfill keep these current.
 *
 *   flags-did:<team>:<distinct_id>        → person uuid
 *   flags-person:<team>:<person uuid>     → { properties, version }
 *   flags-group:<team>:<index>:<key>      → { properties, version }
 *   flags-overrides:<team>:<person uuid>  → { flag key: hash key }
 *   flags-static:<team>:<person uuid>     → [static cohort id, …]
 *   flags-backfilled:<team>               → the projection format the team was backfilled at
 */
export const didKey = (team: number, distinctId: string) => `flags-did:${team}:${distinctId}`;
export const personKey = (team: number, uuid: string) => `flags-person:${team}:${uuid}`;
export const groupKey = (team: number, index: number, key: string) => `flags-group:${team}:${index}:${key}`;
export const overridesKey = (team: number, uuid: string) => `flags-overrides:${team}:${uuid}`;
export const staticCohortsKey = (team: number, uuid: string) => `flags-static:${team}:${uuid}`;
export const backfillMarkerKey = (team: number) => `flags-backfilled:${team}`;

/**
 * Bump when the projection gains something existing persons lack (the deploy-time backfill then
 * runs once more per team). 1: persons, distinct ids, groups, overrides and static cohorts.
 */
export const PERSONS_PROJECTION_FORMAT = 1;

/** A person or group as projected; `version` is Postgres's row version. */
export interface Versioned {
  readonly properties: Record<string, unknown>;
  readonly version: number;
}

/** Cohort ids of both lists, once each, ascending. */
export function unionOfIds(a: readonly number[] | undefined, b: readonly number[] | undefined): number[] {
  return [...new Set([...(a ?? []), ...(b ?? [])])].sort((x, y) => x - y);
}
