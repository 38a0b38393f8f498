import { Pool, type PoolClient, type PoolConfig, type QueryResult as PgResult } from 'pg';
import { silentLogger, type Logger } from '../../observability/logger';
import type { Database, QueryResult, Sql } from '../../ports/database';

/**
 * The database on node-postgres: a pool of TCP connections to PostgreSQL (DATABASE_URL
 * locally, the RDS Proxy endpoint on AWS). A transaction runs on one client checked out of the
 * pool for its whole length. Values come back as node-postgres parses them (bigint as string,
 * timestamptz as Date, jsonb parsed); the project's queries select what they need as text.
 */
export class PostgresDatabase implements Database {
  private constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
  ) {
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', (error) => this.logger.warn('idle postgres client failed', { error }));
  }

  /** A pool on a connection string or a full pg PoolConfig. */
  static connect(config: string | PoolConfig, logger: Logger = silentLogger): PostgresDatabase {
    const poolConfig = typeof config === 'string' ? { connectionString: config } : config;
    return new PostgresDatabase(new Pool({ max: 10, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 5_000, ...poolConfig }), logger);
  }

  query<T = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    return run<T>(this.pool, text, params);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out client that loses its connection emits 'error'; unheard, that crashes the process.
    const onError = (error: Error) => {
      broken = error;
      this.logger.warn('postgres connection lost during a transaction', { error });
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      try {
        const result = await fn({ query: (text, params = []) => run(client, text, params) });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is in an unknown state: drop it instead of returning it to the pool.
          broken ??= rollbackError as Error;
          this.logger.warn('postgres rollback failed', { error: rollbackError });
        }
        throw error;
      }
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function run<T>(target: Pool | PoolClient, text: string, params: readonly unknown[]): Promise<QueryResult<T>> {
  const result = (await target.query(text, params as unknown[])) as PgResult;
  return { rows: result.rows as T[], affectedRows: result.rowCount ?? undefined };
}
