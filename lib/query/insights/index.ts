/** The insight query runners, keyed by query kind. */
import type { QueryRunner } from '../types';
import { runActorsQuery } from './actors';
import { runFunnelsQuery } from './funnels';
import { runLifecycleQuery } from './lifecycle';
import { runPathsQuery } from './paths';
import { runRetentionQuery } from './retention';
import { runStickinessQuery } from './stickiness';
import { runTrendsQuery } from './trends';

export { runActorsQuery, runFunnelsQuery, runLifecycleQuery, runPathsQuery, runRetentionQuery, runStickinessQuery, runTrendsQuery };

export const INSIGHT_RUNNERS: Record<string, QueryRunner> = {
  TrendsQuery: runTrendsQuery,
  FunnelsQuery: runFunnelsQuery,
  RetentionQuery: runRetentionQuery,
  LifecycleQuery: runLifecycleQuery,
  StickinessQuery: runStickinessQuery,
  PathsQuery: runPathsQuery,
  ActorsQuery: runActorsQuery,
  /** An InsightActorsQuery sent on its own lists its actors as an ActorsQuery would. */
  InsightActorsQuery: (query, ctx) => runActorsQuery({ kind: 'ActorsQuery', source: query, select: ['actor'] }, ctx),
};
