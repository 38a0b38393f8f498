import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions, type ClickHouseSettings } from '@clickhouse/client';
import { Readable } from 'node:stream';
import type { AnalyticsStore, InsertOptions, QueryOptions } from '../ports/analytics-store';

/**
 * The analytics store on `@clickhouse/client`. Not AWS-specific: the same class serves a
 * ClickHouse server or ClickHouse Cloud over HTTP (`createClickHouseClient`) and chDB in-process
 * (a client created with `connection: createChdbConnection(...)` from `chdb/connection`).
 * The store owns the client it is given and closes it.
 */
export interface ClickHouseStoreOptions {
  /**
   * Put per-query settings into the SQL (`… SETTINGS name = value`) instead of the request. chDB
   * applies request settings to its one session, where they stay for every later statement of
   * the process (a `readonly` query would make every later insert fail); a SETTINGS clause holds
   * for its own statement only. @default false
   */
  readonly settingsInSql?: boolean;
  /**
   * Inserts ready JSONEachRow bytes another way than the client (chDB's raw insert, which hands
   * them to the engine without a copy and parses them off the event loop), and what closes it.
   */
  readonly rawInserts?: {
    insert(table: string, body: Uint8Array, settings: Record<string, string | number>): Promise<void>;
    close(): void;
  };
}

/**
 * The analytics store on `@clickhouse/client`. Not AWS-specific: the same class serves a
 * ClickHouse server or ClickHouse Cloud over HTTP (`createClickHouseClient`) and chDB in-process
 * (a client created with `connection: createChdbConnection(...)` from `chdb/connection`, with
 * `settingsInSql`). The store owns the client it is given and closes it.
 */
export class ClickHouseStore implements AnalyticsStore {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly options: ClickHouseStoreOptions = {},
  ) {}

  async query<T = Record<string, unknown>>(sql: string, options: QueryOptions = {}): Promise<T[]> {
    const result = await this.client.query({ query: this.withSettings(sql, options.settings), format: 'JSONEachRow', ...this.requestParams(options) });
    return result.json<T>();
  }

  async command(sql: string, options: QueryOptions = {}): Promise<void> {
    await this.client.command({ query: this.withSettings(sql, options.settings), ...this.requestParams(options) });
  }

  async insert(table: string, rows: readonly object[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    if (this.options.settingsInSql) {
      await this.exec(table, rows.map((r) => JSON.stringify(r)).join('\n'), options.dedupToken ? { insert_deduplication_token: options.dedupToken } : {});
      return;
    }
    await this.client.insert({
      table,
      values: rows as object[],
      format: 'JSONEachRow',
      ...(options.dedupToken ? { clickhouse_settings: { insert_deduplication_token: options.dedupToken } } : {}),
    });
  }

  async insertJsonLines(table: string, lines: string | Uint8Array, options: InsertOptions = {}): Promise<void> {
    if (typeof lines === 'string' ? lines.trim() === '' : lines.length === 0) return;
    const settings = {
      input_format_json_read_objects_as_strings: 1,
      ...(options.dedupToken ? { insert_deduplication_token: options.dedupToken } : {}),
    };
    const raw = this.options.rawInserts;
    if (raw) await raw.insert(tableName(table), typeof lines === 'string' ? Buffer.from(lines) : lines, settings);
    else await this.exec(table, lines, settings);
  }

  async close(): Promise<void> {
    this.options.rawInserts?.close();
    await this.client.close();
  }

  /** INSERT … FORMAT JSONEachRow of ready lines, with its settings in the SQL or the request. */
  private async exec(table: string, lines: string | Uint8Array, settings: Record<string, string | number>): Promise<void> {
    const inSql = this.options.settingsInSql && Object.keys(settings).length > 0;
    const result = await this.client.exec({
      query: `INSERT INTO ${tableName(table)}${inSql ? ` SETTINGS ${settingsClause(settings)}` : ''} FORMAT JSONEachRow`,
      values: Readable.from([lines]),
      ...(inSql ? {} : { clickhouse_settings: settings as ClickHouseSettings }),
    });
    result.stream.destroy();
  }

  private withSettings(sql: string, settings: QueryOptions['settings']): string {
    if (!this.options.settingsInSql || !settings || Object.keys(settings).length === 0) return sql;
    return `${sql.replace(/[\s;]+$/, '')}\nSETTINGS ${settingsClause(settings)}`;
  }

  private requestParams(options: QueryOptions) {
    return {
      query_params: options.params && paramValues(options.params),
      clickhouse_settings: this.options.settingsInSql ? undefined : (options.settings as ClickHouseSettings | undefined),
      abort_signal: options.signal,
      query_id: options.queryId,
    };
  }
}

/**
 * Query parameters as ClickHouse reads them. A whole number beyond ±2^53 (a request's `1e308`)
 * goes as its text: ClickHouse parses it for the declared type (a Float64 takes it), where chDB's
 * client refuses to serialize it as a number.
 */
function paramValues(params: Record<string, unknown>): Record<string, unknown> {
  const unsafe = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v);
  if (!Object.values(params).some(unsafe)) return params;
  return Object.fromEntries(Object.entries(params).map(([name, v]) => [name, unsafe(v) ? String(v) : v]));
}

/** `name = value, …` for a SETTINGS clause: names checked, strings quoted. */
function settingsClause(settings: Record<string, string | number>): string {
  return Object.entries(settings)
    .map(([name, value]) => {
      if (!/^[a-z_][a-z0-9_]*$/i.test(name)) throw new RangeError(`Not a setting name: ${name}`);
      return `${name} = ${typeof value === 'number' ? String(value) : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`}`;
    })
    .join(', ');
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

/** The table name, checked: it is written into the INSERT as it is. */
function tableName(table: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(table)) throw new RangeError(`Not a table name: ${table}`);
  return table;
}
