import { migratePostgres } from '../../lib/postgres/migrate';
import { POSTGRES_MIGRATIONS } from '../../lib/postgres/migrations';
import type { Database } from '../../lib/ports/database';

/**
 * What every `Database` adapter must do alike, written the way the project's queries are:
 * lists as JSON text, and values read back in a form every adapter gives the same way
 * (integers as int4 or through Number(), json and timestamps as text).
 */
export function describeDatabaseContract(open: () => Promise<Database>): void {
  let db: Database;

  beforeAll(async () => {
    db = await open();
    await db.query(`CREATE TABLE contract_items (
      id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, n integer, score double precision,
      props jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now())`);
  });

  afterAll(async () => {
    await db?.close();
  });

  it('runs statements with positional parameters of every kind and reads rows back', async () => {
    const props = { plan: 'pro', tags: ['a', 'b'], quote: "it's", unicode: 'Zoë 🚀' };
    const inserted = await db.query<{ id: string | number }>(
      'INSERT INTO contract_items (name, n, score, props, created_at) VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz) RETURNING id',
      ['alpha', 42, 2.5, JSON.stringify(props), '2026-11-23T10:00:00.123Z'],
    );
    expect(inserted.rows).toHaveLength(1);
    expect(inserted.affectedRows).toBe(1);

    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT name, n, score, props::text AS props, props->>'quote' AS quote, to_json(created_at) #>> '{}' AS created_at,
              $2::text AS echoed, $3::int4 AS small, $4::boolean AS flag, $5::text IS NULL AS null_param,
              'it''s $9 :word' AS literal, $tag$ $7 :x $tag$ AS dollar -- $8 :comment
         FROM contract_items /* $6 :block */ WHERE id = $1`,
      [Number(inserted.rows[0].id), "it's $1 :not_a_param", 7, true, null],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row.name).toBe('alpha');
    expect(row.n).toBe(42);
    expect(row.score).toBe(2.5);
    expect(JSON.parse(row.props as string)).toEqual(props);
    expect(row.quote).toBe("it's");
    expect(new Date(row.created_at as string).toISOString()).toBe('2026-11-23T10:00:00.123Z');
    expect(row.echoed).toBe("it's $1 :not_a_param");
    expect(row.small).toBe(7);
    expect(row.flag).toBe(true);
    expect(row.null_param).toBe(true);
    expect(row.literal).toBe("it's $9 :word");
    expect(row.dollar).toBe(' $7 :x ');
  });

  it('reports affected rows and answers no rows for statements without a result', async () => {
    await db.query('INSERT INTO contract_items (name, n) SELECT d, 1 FROM jsonb_array_elements_text($1::jsonb) AS d', [
      JSON.stringify(['b1', 'b2', 'b3']),
    ]);
    const updated = await db.query('UPDATE contract_items SET n = n + 1 WHERE name IN (SELECT jsonb_array_elements_text($1::jsonb))', [
      JSON.stringify(['b1', 'b3', 'missing']),
    ]);
    expect(updated.affectedRows).toBe(2);
    expect(updated.rows).toEqual([]);
    const { rows } = await db.query<{ name: string; n: number }>(
      "SELECT name, n FROM contract_items WHERE name LIKE 'b%' ORDER BY name",
    );
    expect(rows).toEqual([
      { name: 'b1', n: 2 },
      { name: 'b2', n: 1 },
      { name: 'b3', n: 2 },
    ]);
  });

  it('commits a transaction and returns what the callback returns', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO contract_items (name) VALUES ($1)', ['tx-commit']);
      const { rows } = await tx.query<{ c: number }>('SELECT count(*)::int4 AS c FROM contract_items WHERE name = $1', ['tx-commit']);
      return rows[0].c;
    });
    expect(result).toBe(1);
    expect((await db.query('SELECT 1 FROM contract_items WHERE name = $1', ['tx-commit'])).rows).toHaveLength(1);
  });

  it('rolls back when the callback throws, and rethrows its error', async () => {
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO contract_items (name) VALUES ($1)', ['tx-rollback']);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await db.query('SELECT 1 FROM contract_items WHERE name = $1', ['tx-rollback'])).rows).toHaveLength(0);
  });

  it('rolls back when a statement fails, with the SQLSTATE in `code`', async () => {
    await db.query('INSERT INTO contract_items (name) VALUES ($1)', ['taken']);
    const error = await db
      .transaction(async (tx) => {
        await tx.query('INSERT INTO contract_items (name) VALUES ($1)', ['tx-failed-statement']);
        await tx.query('INSERT INTO contract_items (name) VALUES ($1)', ['taken']);
      })
      .catch((e: unknown) => e as { code?: string; message: string });
    expect(error?.code).toBe('23505');
    expect(error?.message).toMatch(/duplicate key/);
    expect((await db.query('SELECT 1 FROM contract_items WHERE name = $1', ['tx-failed-statement'])).rows).toHaveLength(0);
  });

  it('keeps uncommitted writes invisible outside the transaction', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const written = new Promise<void>((r) => (inside = r));
    const tx = db.transaction(async (t) => {
      await t.query('INSERT INTO contract_items (name) VALUES ($1)', ['tx-isolated']);
      inside();
      await gate;
    });
    await written;
    expect((await db.query('SELECT 1 FROM contract_items WHERE name = $1', ['tx-isolated'])).rows).toHaveLength(0);
    release();
    await tx;
    expect((await db.query('SELECT 1 FROM contract_items WHERE name = $1', ['tx-isolated'])).rows).toHaveLength(1);
  });

  it("applies the project's Postgres migrations, once", async () => {
    const applied = await migratePostgres(db);
    expect(applied).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    expect(await migratePostgres(db)).toEqual([]);
  });
}
