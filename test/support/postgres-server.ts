import { Client } from 'pg';

/**
 * The PostgreSQL server CI starts (TOOLCHAIN.md: 127.0.0.1:5432, trust auth, database `test`).
 * Tests that need it fail, never skip, when it is down.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  readonly schema: string;
  drop(): Promise<void>;
}

/** A schema of its own for one test file's run, dropped with everything in it afterwards. */
export async function createTestSchema(label: string): Promise<TestSchema> {
  const schema = `hedgerow_${label}_${process.pid}_${Date.now().toString(36)}`;
  const client = new Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_DATABASE_URL} (start it: see TOOLCHAIN.md): ${(error as Error).message}`);
  }
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return {
    schema,
    drop: async () => {
      const c = new Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
