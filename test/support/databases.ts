import type { Database } from '../../lib/ports/database';
import { createTestPglite } from './pglite';
import { createTestPostgres } from './postgres';

/** The Postgres engines the persistence tests run on: PGlite (the local default) and a real server. */
export function databaseEngines(): [string, () => Promise<Database>][] {
  return [
    ['PGlite', createTestPglite],
    ['PostgreSQL', createTestPostgres],
  ];
}
