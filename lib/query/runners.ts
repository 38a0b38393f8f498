/**
 * The query runners by kind, as the query service receives them. Each kind's runner lives in
 * its own module (lib/query/*, lib/query/insights/*); this file only assembles them.
 */
import type { QueryRunner } from './types';

export const QUERY_RUNNERS: Readonly<Record<string, QueryRunner>> = {};
