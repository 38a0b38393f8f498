/**
 * What a name means at one point of a query: the tables of the FROM/JOIN clause (HogQL tables,
 * subqueries, CTEs), the SELECT's aliases, lambda arguments, and visible CTEs.
 */
import type { AstNode } from './ast';
import type { HogQLTable } from './schema';

export interface ColumnInfo {
  /** The column holds JSON text (`properties`): `col.key` extracts a property. */
  readonly json: boolean;
}

export interface Source {
  /** How columns of this source are qualified in SQL; '' prints them bare. */
  readonly alias: string;
  readonly table?: HogQLTable;
  /** Columns of a subquery or table function; null when unknown (`SELECT *` of a subquery). */
  readonly columns?: ReadonlyMap<string, ColumnInfo> | null;
}

export interface CteEntry {
  readonly name: string;
  readonly kind: 'subquery' | 'column';
  readonly expr: AstNode;
  /** The CTEs visible where this one was defined (never itself: no recursion). */
  readonly visible: ReadonlyMap<string, CteEntry>;
}

export interface Scope {
  readonly sources: readonly Source[];
  readonly aliases: ReadonlySet<string>;
  readonly lambdaArgs: ReadonlySet<string>;
  readonly ctes: ReadonlyMap<string, CteEntry>;
  /** The alias whose own expression is being printed (it must not refer to itself). */
  readonly excludedAlias?: string;
}

export const emptyScope = (ctes: ReadonlyMap<string, CteEntry> = new Map()): Scope => ({
  sources: [],
  aliases: new Set(),
  lambdaArgs: new Set(),
  ctes,
});

/** Does this source expose a field (or object) with this name? */
export function sourceHas(source: Source, name: string): boolean {
  if (source.table) return Object.prototype.hasOwnProperty.call(source.table.fields, name);
  if (source.columns) return source.columns.has(name);
  return false;
}
