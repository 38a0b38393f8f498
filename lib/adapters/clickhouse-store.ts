import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions, type ClickHouseSettings } from '@clickhouse/client';
import { Readable } from 'node:stream';
import type { AnalyticsStore, InsertOptions, QueryOptions } from '../ports/analytics-store';

/**
 * The analytics store on `@clickhouse/client`. Not AWS-specific: the same class serves a
 * ClickHouse server or ClickHouse Cloud over HTTP (`createClickHouseClient`) and chDB in-process
 * (a client created with `connection: createChdbConnection(...)` from `chdb/connection`).
 * The store owns the client it is given and closes it.
 */
export class ClickHouseStore implements AnalyticsStore {
  constructor(private readonly client: ClickHouseClient) {}

  async query<T = Record<string, unknown>>(sql: string, options: QueryOptions = {}): Promise<T[]> {
    const result = await this.client.query({ query: sql, format: 'JSONEachRow', ...requestParams(options) });
    return result.json<T>();
  }

  async command(sql: string, options: QueryOptions = {}): Promise<void> {
    await this.client.command({ query: sql, ...requestParams(options) });
  }

  async insert(table: string, rows: readonly object[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({
      table,
      values: rows as object[],
      format: 'JSONEachRow',
      ...(options.dedupToken ? { clickhouse_settings: { insert_deduplication_token: options.dedupToken } } : {}),
    });
  }

  async insertJsonLines(table: string, lines: string, options: InsertOptions = {}): Promise<void> {
    if (lines.trim() === '') return;
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(table)) throw new RangeError(`Not a table name: ${table}`);
    const result = await this.client.exec({
      query: `INSERT INTO ${table} FORMAT JSONEachRow`,
      values: Readable.from([lines]),
      clickhouse_settings: {
        input_format_json_read_objects_as_strings: 1,
        ...(options.dedupToken ? { insert_deduplication_token: options.dedupToken } : {}),
      },
    });
    result.stream.destroy();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function requestParams(options: QueryOptions) {
  return {
    query_params: options.params,
    clickhouse_settings: options.settings as ClickHouseSettings | undefined,
    abort_signal: options.signal,
    query_id: options.queryId,
  };
}

/** Where a ClickHouse server is: a URL (credentials may be in it) or the secret's fields. */
export type ClickHouseServer =
  | string
  | { readonly url: string; readonly username?: string; readonly password?: string; readonly database?: string };

/**
 * A client for a ClickHouse server over HTTP(S). `extra` passes further client options
 * (request_timeout, compression, clickhouse_settings for every request, ...).
 */
export function createClickHouseClient(server: ClickHouseServer, extra: ClickHouseClientConfigOptions = {}): ClickHouseClient {
  if (typeof server === 'string') return createClient({ ...extra, url: server });
  // Only the connection fields: callers may pass a wider object (a parsed secret, a config spec).
  const { url, username, password, database } = server;
  return createClient({
    ...extra,
    url,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(database !== undefined ? { database } : {}),
  });
}
