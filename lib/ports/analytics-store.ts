/** ClickHouse: a server or ClickHouse Cloud on AWS, chDB (the same engine, in-process) locally. */

export interface QueryOptions {
  /** Typed parameters, referenced in SQL as {name:Type}. */
  readonly params?: Record<string, unknown>;
  /** ClickHouse settings for this query (max_execution_time, max_result_rows, ...). */
  readonly settings?: Record<string, string | number>;
  readonly signal?: AbortSignal;
  /** Identifies the query, so that it can be cancelled. */
  readonly queryId?: string;
}

export interface InsertOptions {
  /** Same token, same rows: ClickHouse drops the repeated insert. */
  readonly dedupToken?: string;
}

export interface AnalyticsStore {
  /** Runs a SELECT and returns its rows as objects (JSONEachRow). */
  query<T = Record<string, unknown>>(sql: string, options?: QueryOptions): Promise<T[]>;
  /** Runs DDL or any statement that returns no rows. */
  command(sql: string, options?: QueryOptions): Promise<void>;
  insert(table: string, rows: readonly object[], options?: InsertOptions): Promise<void>;
  /**
   * Inserts rows already serialised as JSONEachRow lines. A JSON object given for a String
   * column is stored as its text (input_format_json_read_objects_as_strings), which spares
   * escaping nested JSON such as `properties`. Bytes (UTF-8) go to chDB's engine as they are.
   */
  insertJsonLines(table: string, lines: string | Uint8Array, options?: InsertOptions): Promise<void>;
  close(): Promise<void>;
}
