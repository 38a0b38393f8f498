import type { Database } from '../ports/database';
import { POSTGRES_MIGRATIONS, type Migration } from './migrations';

/** Any number to serialise migrators across processes (pg_advisory_xact_lock). */
const MIGRATION_LOCK = 7_420_001;

/**
 * Applies the migrations not applied yet, each in its own transaction together with its row
 * in `hedgerow_migrations`. Safe to run concurrently and repeatedly. Returns the versions applied.
 */
export async function migratePostgres(db: Database, migrations: readonly Migration[] = POSTGRES_MIGRATIONS): Promise<number[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS hedgerow_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const { rows } = await tx.query('SELECT 1 FROM hedgerow_migrations WHERE version = $1', [migration.version]);
      if (rows.length > 0) return false;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO hedgerow_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
