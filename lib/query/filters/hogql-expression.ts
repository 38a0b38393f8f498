/**
 * HogQL expressions inside insights (breakdown_type "hogql", math "hogql", filters of type
 * "hogql"), printed to ClickHouse SQL over the `events` columns by lib/hogql. Loaded on first use
 * so that the insight runners work, answering 400 for these, where lib/hogql is absent.
 */
import { BadRequestError } from '../../http/errors';
import type { QueryContext } from '../types';

interface HogQLModule {
  printHogQLExpression?: (expr: string, ctx: { teamId: number; timezone?: string; now?: Date; values?: Record<string, unknown> }) => string;
  loadHogQLParser?: () => Promise<unknown>;
}

let loading: Promise<HogQLModule> | undefined;

function load(): Promise<HogQLModule> {
  // A computed path: the printer is another module's work and may not be there yet.
  const modulePath = '../../hogql';
  loading ??= import(modulePath).then(
    (m: HogQLModule) => m,
    () => ({}),
  );
  return loading;
}

export async function printHogQL(expr: unknown, ctx: QueryContext, field: string): Promise<string> {
  if (typeof expr !== 'string' || expr.trim() === '') throw new BadRequestError('invalid_input', `${field} must be a HogQL expression.`, field);
  const mod = await load();
  if (!mod.printHogQLExpression) throw new BadRequestError('unsupported', `${field}: HogQL expressions are not available on this server yet.`, field);
  await mod.loadHogQLParser?.();
  try {
    return `(${mod.printHogQLExpression(expr, { teamId: ctx.teamId, timezone: ctx.timezone, now: ctx.now, values: {} })})`;
  } catch (error) {
    throw new BadRequestError('invalid_input', `${field}: ${(error as Error).message}`, field);
  }
}
