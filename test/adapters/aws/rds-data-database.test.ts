import { BatchExecuteStatementCommand, ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { DataApiDatabaseError, RdsDataDatabase } from '../../../lib/adapters/aws/rds-data-database';
import { toNamedParameters } from '../../../lib/adapters/aws/positional-to-named';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/aws-emulators';
import { DataApiServer } from '../../support/data-api-server';
import { describeDatabaseContract } from '../../support/database-contract';
import { TEST_DATABASE_URL, createTestSchema, type TestSchema } from '../../support/postgres-server';

const arns = {
  resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:hedgerow',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hedgerow-db',
  database: 'test',
};

let schema: TestSchema;
let server: DataApiServer;
let client: RDSDataClient;

const open = (options: Partial<ConstructorParameters<typeof RdsDataDatabase>[0]> = {}) =>
  new RdsDataDatabase({ ...arns, client, backoff: { baseDelayMs: 5, maxDelayMs: 20 }, ...options });

beforeAll(async () => {
  schema = await createTestSchema('dataapi');
  server = await DataApiServer.start({ connectionString: TEST_DATABASE_URL, schema: schema.schema });
  client = new RDSDataClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
  await schema?.drop();
});

describe('RdsDataDatabase (real SDK client → local Data API → PostgreSQL)', () => {
  describeDatabaseContract(async () => open());

  it('sends named, typed parameters and asks for JSON records', async () => {
    const db = open();
    const from = server.requests.length;
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT $1::int8 AS long, $2::float8 AS double, $3::text AS text, $4::bool AS bool, $5::text IS NULL AS is_null,
              encode($6::bytea, 'hex') AS blob, $7::jsonb ->> 1 AS second, $8::jsonb ->> 'k' AS k, $9::text AS big, $1::int8 + 1 AS again`,
      [9_007_199_254_740_991, 0.25, 'héllo', false, undefined, Buffer.from([0, 1, 254, 255]), ['a', 'b'], { k: 'v' }, 2n ** 64n],
    );
    expect(rows).toEqual([
      { long: 9_007_199_254_740_991, double: 0.25, text: 'héllo', bool: false, is_null: true, blob: '0001feff', second: 'b', k: 'v', big: '18446744073709551616', again: 9_007_199_254_740_992 },
    ]);
    const [request] = server.requests.slice(from);
    expect(request.operation).toBe('Execute');
    expect(request.body).toMatchObject({ ...arns, formatRecordsAs: 'JSON' });
    expect(request.body.sql).toContain('SELECT :p1::int8 AS long, :p2::float8 AS double');
    expect(request.body.parameters).toEqual([
      { name: 'p1', value: { longValue: 9_007_199_254_740_991 } },
      { name: 'p2', value: { doubleValue: 0.25 } },
      { name: 'p3', value: { stringValue: 'héllo' } },
      { name: 'p4', value: { booleanValue: false } },
      { name: 'p5', value: { isNull: true } },
      { name: 'p6', value: { blobValue: Buffer.from([0, 1, 254, 255]).toString('base64') } },
      { name: 'p7', value: { stringValue: '["a","b"]' } },
      { name: 'p8', value: { stringValue: '{"k":"v"}' } },
      { name: 'p9', value: { stringValue: '18446744073709551616' } },
    ]);
  });

  it('runs a transaction through BeginTransaction, Execute with its id, and CommitTransaction', async () => {
    const db = open();
    await db.query('CREATE TABLE data_api_tx (k text PRIMARY KEY)');
    const from = server.requests.length;
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO data_api_tx VALUES ($1)', ['a']);
      await tx.query('INSERT INTO data_api_tx VALUES ($1)', ['b']);
    });
    const calls = server.requests.slice(from);
    expect(calls.map((c) => c.operation)).toEqual(['BeginTransaction', 'Execute', 'Execute', 'CommitTransaction']);
    const id = calls[1].body.transactionId;
    expect(id).toEqual(expect.any(String));
    expect(calls[2].body.transactionId).toBe(id);
    expect(calls[3].body.transactionId).toBe(id);
    expect(server.openTransactions).toBe(0);
  });

  it('rolls back with RollbackTransaction when the callback fails', async () => {
    const db = open();
    await db.query('CREATE TABLE data_api_rollback (k text PRIMARY KEY)');
    const from = server.requests.length;
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO data_api_rollback VALUES ($1)', ['gone']);
        throw new Error('nope');
      }),
    ).rejects.toThrow('nope');
    expect(server.requests.slice(from).map((c) => c.operation)).toEqual(['BeginTransaction', 'Execute', 'RollbackTransaction']);
    expect((await db.query('SELECT * FROM data_api_rollback')).rows).toEqual([]);
    expect(server.openTransactions).toBe(0);
  });

  it('waits while Aurora resumes from auto-pause (DatabaseResumingException), then succeeds', async () => {
    const db = open();
    server.simulateResume(150);
    const started = Date.now();
    const { rows } = await db.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(server.resumingAnswered).toBeGreaterThanOrEqual(2);

    server.simulateResume(150);
    await expect(db.transaction(async (tx) => (await tx.query<{ two: number }>('SELECT 2 AS two')).rows[0].two)).resolves.toBe(2);
  });

  it('gives up once the resume takes longer than resumeTimeoutMs', async () => {
    const db = open({ resumeTimeoutMs: 100 });
    server.simulateResume(1_000);
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ name: 'DatabaseResumingException' });
    server.simulateResume(0);
  });

  it('turns SQL errors into DataApiDatabaseError with the SQLSTATE', async () => {
    const db = open();
    const error = await db.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataApiDatabaseError);
    expect(error).toMatchObject({ code: '42P01', message: expect.stringContaining('no_such_table') });
  });

  it('refuses SQL the Data API would misread, before sending it', async () => {
    const db = open();
    const from = server.requests.length;
    await expect(db.query('SELECT $2', ['only one'])).rejects.toThrow(/\$2, but 1 parameter/);
    await expect(db.query('SELECT :name')).rejects.toThrow(/named parameter/);
    await expect(db.query('SELECT $1', [Number.NaN])).rejects.toThrow(/NaN/);
    expect(server.requests.length).toBe(from);
  });
});

describe('toNamedParameters', () => {
  it('rewrites $n outside literals, identifiers, dollar quotes and comments, and sends only the parameters used', () => {
    const sql = `SELECT $2, "col$1", 'a $1 '' :b', E'\\' $1', $$ $1 $$, $q$ $1 $q$, a$1 -- $1
      /* $1 /* nested $1 */ $1 */ FROM t WHERE x = $2::jsonb AND y = ANY($3)`;
    const { sql: out, parameters } = toNamedParameters(sql, ['unused', 'two', 3]);
    expect(out).toBe(sql.replace('SELECT $2', 'SELECT :p2').replace('x = $2::jsonb', 'x = :p2::jsonb').replace('ANY($3)', 'ANY(:p3)'));
    expect(parameters).toEqual([
      { name: 'p2', value: { stringValue: 'two' } },
      { name: 'p3', value: { longValue: 3 } },
    ]);
  });

  it('maps dates to ISO text, unsafe integers to doubles, and rejects functions', () => {
    const { parameters } = toNamedParameters('SELECT $1, $2, $3', [new Date('2026-11-23T00:00:00Z'), 2 ** 60, -3]);
    expect(parameters.map((p) => p.value)).toEqual([{ stringValue: '2026-11-23T00:00:00.000Z' }, { doubleValue: 2 ** 60 }, { longValue: -3 }]);
    expect(() => toNamedParameters('SELECT $1', [() => 1])).toThrow(TypeError);
  });
});

describe('DataApiServer (the local Data API itself)', () => {
  it('answers BatchExecute and the default typed record format', async () => {
    const base = { resourceArn: arns.resourceArn, secretArn: arns.secretArn, database: 'test' };
    await client.send(new ExecuteStatementCommand({ ...base, sql: 'CREATE TABLE data_api_batch (k text PRIMARY KEY, n int8)' }));
    const batch = await client.send(
      new BatchExecuteStatementCommand({
        ...base,
        sql: 'INSERT INTO data_api_batch VALUES (:k, :n)',
        parameterSets: [
          [{ name: 'k', value: { stringValue: 'a' } }, { name: 'n', value: { longValue: 1 } }],
          [{ name: 'k', value: { stringValue: 'b' } }, { name: 'n', value: { isNull: true } }],
        ],
      }),
    );
    expect(batch.updateResults).toHaveLength(2);
    const out = await client.send(new ExecuteStatementCommand({ ...base, sql: 'SELECT k, n FROM data_api_batch ORDER BY k' }));
    expect(out.records).toEqual([
      [{ stringValue: 'a' }, { longValue: 1 }],
      [{ stringValue: 'b' }, { isNull: true }],
    ]);
  });

  it('binds strings as varchar, as the Data API does, so a uuid column needs a cast', async () => {
    const base = { resourceArn: arns.resourceArn, secretArn: arns.secretArn, database: 'test', formatRecordsAs: 'JSON' as const };
    const uuid = '0190b3c2-7d3e-7c41-9a7e-0123456789ab';
    await expect(
      client.send(new ExecuteStatementCommand({ ...base, sql: 'SELECT gen_random_uuid() = :u AS same', parameters: [{ name: 'u', value: { stringValue: uuid } }] })),
    ).rejects.toMatchObject({ name: 'DatabaseErrorException', message: expect.stringContaining('SQLState: 42883') });
    const hinted = await client.send(
      new ExecuteStatementCommand({ ...base, sql: 'SELECT :u = :u::uuid AS same', parameters: [{ name: 'u', value: { stringValue: uuid }, typeHint: 'UUID' }] }),
    );
    expect(JSON.parse(hinted.formattedRecords!)).toEqual([{ same: true }]);
  });
});
