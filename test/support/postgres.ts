import { randomBytes } from 'node:crypto';
import { PostgresDatabase } from '../../lib/adapters/aws/postgres-database';
import type { Database } from '../../lib/ports/database';
import { migratePostgres } from '../../lib/postgres/migrate';

import { TEST_DATABASE_URL as POSTGRES_URL } from './postgres-server';

/**
 * A fresh, migrated database on the real PostgreSQL server; closing it drops the database.
 * Fails (never skips) when the server is down.
 */
export async function createTestPostgres(): Promise<Database> {
  const name = `hedgerow_t_${randomBytes(6).toString('hex')}`;
  const admin = PostgresDatabase.connect(POSTGRES_URL);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const db = PostgresDatabase.connect(url.toString());
  await migratePostgres(db);
  return {
    query: (text, params) => db.query(text, params),
    transaction: (fn) => db.transaction(fn),
    async close() {
      await db.close();
      const cleanup = PostgresDatabase.connect(POSTGRES_URL);
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.close();
      }
    },
  };
}
