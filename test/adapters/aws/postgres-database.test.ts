import { PostgresDatabase } from '../../../lib/adapters/aws/postgres-database';
import { describeDatabaseContract } from '../../support/database-contract';
import { TEST_DATABASE_URL, createTestSchema, type TestSchema } from '../../support/postgres-server';

let schema: TestSchema;

function open(): PostgresDatabase {
  return PostgresDatabase.connect({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema.schema}`, max: 4 });
}

beforeAll(async () => {
  schema = await createTestSchema('pg');
});

afterAll(async () => {
  await schema?.drop();
});

describe('PostgresDatabase (node-postgres on 127.0.0.1:5432)', () => {
  describeDatabaseContract(async () => open());

  it('runs each transaction on its own connection, so two can proceed side by side', async () => {
    const db = open();
    await db.query('CREATE TABLE pg_side_by_side (k text PRIMARY KEY)');
    let firstInside!: () => void;
    const firstStarted = new Promise<void>((r) => (firstInside = r));
    let finishFirst!: () => void;
    const firstMayEnd = new Promise<void>((r) => (finishFirst = r));
    const first = db.transaction(async (tx) => {
      await tx.query("INSERT INTO pg_side_by_side VALUES ('first')");
      firstInside();
      await firstMayEnd;
      return (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    });
    await firstStarted;
    const second = await db.transaction(async (tx) => {
      await tx.query("INSERT INTO pg_side_by_side VALUES ('second')");
      return (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    });
    finishFirst();
    expect(await first).not.toBe(second);
    expect((await db.query('SELECT k FROM pg_side_by_side ORDER BY k')).rows).toEqual([{ k: 'first' }, { k: 'second' }]);
    await db.close();
  });

  it('drops a connection that died inside a transaction instead of returning it to the pool', async () => {
    const db = open();
    await expect(
      db.transaction(async (tx) => {
        // Ends this session from inside: the ROLLBACK that follows cannot succeed.
        await tx.query('SELECT pg_terminate_backend(pg_backend_pid())').catch(() => undefined);
        throw new Error('after the connection died');
      }),
    ).rejects.toThrow('after the connection died');
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await db.close();
  });

  it('fails, not hangs, when the server is unreachable', async () => {
    const db = PostgresDatabase.connect({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 1000 });
    await expect(db.query('SELECT 1')).rejects.toThrow(/ECONNREFUSED|connect/);
    await db.close();
  });
});
