import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { silentLogger, type Logger } from '../../observability/logger';
import type { Database, QueryResult, Sql } from '../../ports/database';
import { backoffDelay, sleep, type BackoffOptions } from './backoff';
import { toNamedParameters } from './positional-to-named';

export interface RdsDataDatabaseOptions {
  /** The Aurora cluster ARN. */
  readonly resourceArn: string;
  /** The Secrets Manager secret holding the database credentials. */
  readonly secretArn: string;
  readonly database: string;
  /** An injected client stays the caller's to destroy; without one the database creates and owns its own. */
  readonly client?: RDSDataClient;
  /** How long to keep retrying while Aurora resumes from auto-pause. @default 60000 */
  readonly resumeTimeoutMs?: number;
  /** Delays between those retries. @default { baseDelayMs: 500, maxDelayMs: 5000 } */
  readonly backoff?: BackoffOptions;
  readonly logger?: Logger;
}

/** A SQL error reported by the Data API, with the PostgreSQL SQLSTATE in `code` as node-postgres has it. */
export class DataApiDatabaseError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'DataApiDatabaseError';
  }
}

/**
 * The database on the RDS Data API (HTTPS), so that Lambdas outside the VPC reach Aurora
 * PostgreSQL without connections of their own. Positional `$n` parameters become named typed
 * parameters (see positional-to-named.ts), rows come back through `formatRecordsAs: 'JSON'`,
 * and transactions are Data API transactions. While Aurora wakes from auto-pause the Data API
 * answers DatabaseResumingException; calls are retried for up to `resumeTimeoutMs`.
 *
 * Rows are what the Data API's JSON format gives: numbers, booleans and strings, with json,
 * timestamps and numerics as text. The project's queries select what they read as text.
 */
export class RdsDataDatabase implements Database {
  private readonly client: RDSDataClient;
  private readonly ownsClient: boolean;
  private readonly logger: Logger;

  constructor(private readonly options: RdsDataDatabaseOptions) {
    this.client = options.client ?? new RDSDataClient({});
    this.ownsClient = !options.client;
    this.logger = options.logger ?? silentLogger;
  }

  query<T = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    return this.execute<T>(text, params);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const { resourceArn, secretArn, database } = this.options;
    const begun = await this.call(() => this.client.send(new BeginTransactionCommand({ resourceArn, secretArn, database })));
    const transactionId = begun.transactionId;
    if (!transactionId) throw new DataApiDatabaseError('BeginTransaction returned no transaction id.', undefined);
    let result: T;
    try {
      result = await fn({ query: (text, params = []) => this.execute(text, params, transactionId) });
    } catch (error) {
      try {
        await this.client.send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId }));
      } catch (rollbackError) {
        // The Data API ends an abandoned transaction itself (after 3 minutes idle).
        this.logger.warn('data api rollback failed', { error: rollbackError });
      }
      throw error;
    }
    await this.call(() => this.client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId })));
    return result;
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private async execute<T>(text: string, params: readonly unknown[], transactionId?: string): Promise<QueryResult<T>> {
    const { sql, parameters } = toNamedParameters(text, params);
    const { resourceArn, secretArn, database } = this.options;
    const output = await this.call(() =>
      this.client.send(
        new ExecuteStatementCommand({
          resourceArn,
          secretArn,
          database,
          sql,
          parameters: parameters.length > 0 ? parameters : undefined,
          transactionId,
          formatRecordsAs: 'JSON',
        }),
      ),
    );
    const rows = output.formattedRecords ? (JSON.parse(output.formattedRecords) as T[]) : [];
    return { rows, affectedRows: output.numberOfRecordsUpdated };
  }

  /** Runs one Data API call, waiting out a resume from auto-pause; SQL errors get their SQLSTATE. */
  private async call<R>(send: () => Promise<R>): Promise<R> {
    const deadline = Date.now() + (this.options.resumeTimeoutMs ?? 60_000);
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'DatabaseResumingException') {
          const delay = backoffDelay(attempt, { baseDelayMs: 500, maxDelayMs: 5000, ...this.options.backoff });
          if (Date.now() + delay < deadline) {
            if (attempt === 1) this.logger.info('aurora is resuming, waiting', { resumeTimeoutMs: this.options.resumeTimeoutMs ?? 60_000 });
            await sleep(delay);
            continue;
          }
        }
        if (name === 'DatabaseErrorException' || name === 'BadRequestException') {
          const message = (error as Error).message;
          throw new DataApiDatabaseError(message, /SQLState: (\w{5})/.exec(message)?.[1], error);
        }
        throw error;
      }
    }
  }
}
