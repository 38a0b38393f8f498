import type { AnalyticsStore, QueryOptions } from '../ports/analytics-store';
import { querySettings, type QueryContext } from './types';

/** A SETTINGS clause value: numbers as they are, strings quoted. */
export function settingValue(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The store a runner receives: every query carries the limits as settings of that query (the
 * store keeps them to their statement, on chDB too), a ClickHouse query id under the
 * execution's id, and the execution's abort signal. Writes are refused.
 */
export function limitedStore(store: AnalyticsStore, ctx: Pick<QueryContext, 'limits' | 'queryId' | 'signal'>): AnalyticsStore {
  let issued = 0;
  const limit = (sql: string, options: QueryOptions = {}): [string, QueryOptions] => {
    issued += 1;
    const queryId = options.queryId ?? (ctx.queryId && (issued === 1 ? ctx.queryId : `${ctx.queryId}-${issued}`));
    const settings = { ...(options.settings ?? {}), ...querySettings(ctx) };
    return [sql, { params: options.params, settings, signal: options.signal ?? ctx.signal, ...(queryId ? { queryId } : {}) }];
  };
  const refuse = async () => {
    throw new Error('Query runners cannot write.');
  };
  return {
    query: (sql, options) => store.query(...limit(sql, options)),
    command: (sql, options) => store.command(...limit(sql, options)),
    insert: refuse,
    insertJsonLines: refuse,
    close: async () => undefined,
  };
}

/** The ClickHouse query_id of a team's query: ids are unique per server, client ids only per team. */
export function clickHouseQueryId(teamId: number, id: string): string {
  return `hedgerow_${teamId}_${id}`;
}

/**
 * KILL QUERY for an execution and the queries a runner issued under its id (best effort: ClickHouse
 * also stops at max_execution_time). The id is inlined, not bound: chDB runs bound queries one at a
 * time, behind the one to kill.
 */
export async function killQuery(store: AnalyticsStore, queryId: string, onError: (error: unknown) => void): Promise<void> {
  const id = settingValue(queryId);
  try {
    await store.command(`KILL QUERY WHERE query_id = ${id} OR (startsWith(query_id, ${id}) AND NOT match(substring(query_id, length(${id}) + 1, 1), '[A-Za-z0-9]')) ASYNC`);
  } catch (error) {
    onError(error);
  }
}
