/**
 * Runs printed SQL on the analytics store: the rows (as arrays, in column order) and the
 * columns' ClickHouse types (`DESCRIBE (query)`, which plans without reading data).
 */
import type { QueryContext } from '../query/types';
import { querySettings } from '../query/types';
import { HogQLError } from './errors';

export interface ExecutedQuery {
  readonly columns: string[];
  readonly types: [string, string][];
  readonly rows: unknown[][];
}

/** Settings for HogQL results: numbers as JSON numbers, dates as ISO 8601 (as PostHog returns them). */
const OUTPUT_SETTINGS = { output_format_json_quote_64bit_integers: 0, date_time_output_format: 'iso' } as const;

export async function executeSql(sql: string, ctx: QueryContext, suffix = ''): Promise<ExecutedQuery> {
  const settings = { ...querySettings(ctx), ...OUTPUT_SETTINGS };
  const queryId = ctx.queryId ? `${ctx.queryId}${suffix}` : undefined;
  try {
    const described = await ctx.store.query<{ name: string; type: string }>(`DESCRIBE TABLE (${sql})`, { settings, signal: ctx.signal });
    const rows = await ctx.store.query<Record<string, unknown>>(sql, { settings, queryId, signal: ctx.signal });
    const columns = described.map((d) => d.name);
    return { columns, types: described.map((d) => [d.name, d.type]), rows: rows.map((row) => columns.map((c) => row[c])) };
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    throw new HogQLError(`ClickHouse could not run the query: ${clickhouseMessage(error)}`);
  }
}

/** The first line of a ClickHouse error, without the stack trace and server details. */
function clickhouseMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].replace(/\s*\(version [^)]*\)\s*$/, '').slice(0, 500);
}
