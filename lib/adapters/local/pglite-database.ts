import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Database, QueryResult, Sql } from '../../ports/database';

/**
 * Postgres in WASM, in-process. One process may own a PGlite folder (lib/platform/data-dir-lock.ts
 * guards that); all queries share one backend and a transaction holds it until it ends.
 */
export class PgliteDatabase implements Database {
  private constructor(private readonly db: PGlite) {}

  /** Opens a PGlite database in `dataDir`, or in memory when it is undefined. */
  static async open(dataDir?: string): Promise<PgliteDatabase> {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(dataDir ? { dataDir } : {});
    return new PgliteDatabase(db);
  }

  /** Wraps an open PGlite instance (tests clone a template with `loadDataDir`). */
  static wrap(db: PGlite): PgliteDatabase {
    return new PgliteDatabase(db);
  }

  query<T>(text: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    return run<T>(this.db, text, params);
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn({ query: (text, params = []) => run(tx, text, params) }));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

async function run<T>(target: PGlite | Transaction, text: string, params: readonly unknown[]): Promise<QueryResult<T>> {
  const result = await target.query<T>(text, params as unknown[]);
  return { rows: result.rows, affectedRows: result.affectedRows };
}
