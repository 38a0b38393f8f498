/**
 * The query runners by kind, as the query service receives them. Each kind's runner lives in
 * its own module (lib/query/*, lib/query/insights/*); this file only assembles them.
 */
import { runEventsQuery } from './events-query';
import { runHogQLQuery } from './hogql-query';
import { INSIGHT_RUNNERS } from './insights';
import type { QueryRunner } from './types';

export const QUERY_RUNNERS: Readonly<Record<string, QueryRunner>> = {
  HogQLQuery: runHogQLQuery,
  EventsQuery: runEventsQuery,
  ...INSIGHT_RUNNERS,
};
