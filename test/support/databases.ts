import type { Database } from '../../lib/ports/database';
import { createTestPglite } from './pglite';

/** The Postgres engines the persistence tests run on: PGlite (local default) and a real server. */
export function databaseEngines(): [string, () => Promise<Database>][] {
  return [['PGlite', createTestPglite]];
}
