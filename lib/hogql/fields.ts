/**
 * Field resolution: `event`, `e.event`, `properties.$browser`, `person.properties.email`,
 * `s.props.x` (a subquery's JSON column). Table columns are always printed qualified, so a
 * SELECT alias can never shadow them.
 */
import { escapeIdentifier, escapeString } from './escape';
import { fail } from './errors';
import { lookup } from '../lookup';
import type { HogQLField } from './schema';
import { sourceHas, type Scope, type Source } from './scope';

export interface ResolvedField {
  readonly sql: string;
  /** A JSON property (Nullable(String)): comparisons with numbers and booleans adapt. */
  readonly property: boolean;
}

export interface FieldContext {
  readonly timezone: string;
}

/** `replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(col, 'k'), ''), 'null'), '^"|"$', '')`, PostHog's property read. */
export function propertyAccess(columnSql: string, keys: readonly (string | number)[]): string {
  const path = keys.map((k) => (typeof k === 'number' ? String(k) : escapeString(k))).join(', ');
  return `replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(${columnSql}, ${path}), ''), 'null'), '^"|"$', '')`;
}

function qualified(source: Source, column: string): string {
  return source.alias ? `${escapeIdentifier(source.alias)}.${escapeIdentifier(column)}` : escapeIdentifier(column);
}

function fromTable(source: Source, chain: readonly (string | number)[], ctx: FieldContext): ResolvedField {
  const fields = source.table!.fields;
  let field: HogQLField | undefined = lookup(fields, String(chain[0]));
  let i = 1;
  while (field && field.kind === 'object') {
    if (i >= chain.length) fail(`${chain.join('.')} is an object: name one of its fields (${Object.keys(field.fields).join(', ')}).`);
    field = lookup(field.fields, String(chain[i]));
    i++;
  }
  if (!field) fail(`Unable to resolve field: ${chain.join('.')}`);
  const sql = qualified(source, field.column);
  const rest = chain.slice(i);
  if (field.kind === 'json') return rest.length ? { sql: propertyAccess(sql, rest), property: true } : { sql, property: false };
  if (rest.length) fail(`Unable to resolve field: ${chain.join('.')}`);
  if (field.datetime && ctx.timezone !== 'UTC') return { sql: `toTimeZone(${sql}, ${escapeString(ctx.timezone)})`, property: false };
  return { sql, property: false };
}

function fromColumns(source: Source, chain: readonly (string | number)[]): ResolvedField {
  const name = String(chain[0]);
  const info = source.columns?.get(name);
  if (source.columns && !info) fail(`Unable to resolve field: ${chain.join('.')}`);
  const sql = qualified(source, name);
  if (chain.length === 1) return { sql, property: false };
  if (info?.json) return { sql: propertyAccess(sql, chain.slice(1)), property: true };
  return fail(`Unable to resolve field: ${chain.join('.')}`);
}

export function resolveInSource(source: Source, chain: readonly (string | number)[], ctx: FieldContext): ResolvedField {
  if (chain.length === 0) fail('Empty field reference.');
  return source.table ? fromTable(source, chain, ctx) : fromColumns(source, chain);
}

/** Resolves a field chain against a scope's tables (aliases, CTE columns and lambdas are handled by the caller). */
export function resolveInScope(scope: Scope, chain: readonly (string | number)[], ctx: FieldContext): ResolvedField {
  const head = String(chain[0]);
  if (chain.length > 1) {
    const byAlias = scope.sources.find((s) => s.alias !== '' && s.alias === head);
    if (byAlias) return resolveInSource(byAlias, chain.slice(1), ctx);
  }
  const owner = scope.sources.find((s) => sourceHas(s, head));
  if (owner) return resolveInSource(owner, chain, ctx);
  // A subquery whose columns are unknown (it selects `*` of another subquery): trust the name.
  const open = scope.sources.find((s) => !s.table && !s.columns);
  if (open && chain.length === 1) return { sql: qualified(open, head), property: false };
  return fail(`Unable to resolve field: ${chain.join('.')}`);
}
