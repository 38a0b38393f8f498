/**
 * The HogQL engine: parse (WASM), print to ClickHouse SQL with the caller's team enforced, and
 * the runners of HogQLQuery and EventsQuery. `printHogQLExpression` prints one expression
 * against the raw `events` columns (for HogQL breakdowns and series elsewhere); the parser must
 * have been loaded first (`await loadHogQLParser()`, which the runners do).
 */
import { fail } from './errors';
import { loadHogQLParser, parseExpr } from './parse';
import { HogQLPrinter } from './printer';
import { EVENTS_TABLE } from './schema';

export { HogQLError } from './errors';
export { loadHogQLParser, parseExpr, parseSelect } from './parse';
export { HogQLPrinter } from './printer';
export { runHogQLQuery } from '../query/hogql-query';
export { runEventsQuery } from '../query/events-query';

// Start loading the WASM parser as soon as the engine is imported (about 40 ms), so that the
// synchronous printHogQLExpression is usable by the time a request needs it.
void loadHogQLParser().catch(() => undefined);

export interface ExpressionContext {
  readonly teamId: number;
  readonly values?: Record<string, unknown>;
  readonly timezone?: string;
  readonly now?: Date;
}

/**
 * One HogQL expression as ClickHouse SQL over the `events` table's own columns (unqualified:
 * `event`, `properties`, `person_properties`, …), for a query whose FROM is the raw events table
 * already constrained to the team. Subqueries inside it are team-constrained like any HogQL.
 * Throws HogQLError (400) for anything the printer refuses; `await loadHogQLParser()` first.
 */
export function printHogQLExpression(expr: string, ctx: ExpressionContext): string {
  if (typeof expr !== 'string' || expr.trim() === '') fail('Empty HogQL expression.');
  const printer = new HogQLPrinter({
    teamId: ctx.teamId,
    timezone: ctx.timezone ?? 'UTC',
    now: ctx.now ?? new Date(),
    values: ctx.values ?? {},
    filters: null,
  });
  return printer.printExpr(parseExpr(expr), {
    sources: [{ alias: '', table: EVENTS_TABLE }],
    aliases: new Set(),
    lambdaArgs: new Set(),
    ctes: new Map(),
  });
}
