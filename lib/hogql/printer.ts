/**
 * HogQL AST → ClickHouse SQL. Tenant isolation lives here: every table a query names, at any
 * depth (FROM, JOIN, subqueries, CTEs, unions, IN subqueries, scalar subqueries), is printed as
 * a subquery over the physical table with `team_id = <teamId>`; CTEs are inlined at their use,
 * so no user name can shadow a physical table; database-qualified names, unknown tables and
 * table functions other than `numbers` are refused.
 */
import type { AstNode, JoinExprNode, SelectQueryNode } from './ast';
import { escapeIdentifier } from './escape';
import { fail } from './errors';
import { ExpressionPrinter, type PrinterOptions } from './expressions';
import { MAX_NUMBERS_ROWS, TABLE_FUNCTIONS } from './functions';
import { isJsonItem, outputName } from './names';
import { HOGQL_TABLES, type HogQLTable } from './schema';
import { emptyScope, type ColumnInfo, type CteEntry, type Scope, type Source } from './scope';
import { printOrderList, printWindowExpr } from './window';

export type { PrinterOptions } from './expressions';

const SET_OPERATORS = new Set(['UNION ALL', 'UNION DISTINCT', 'INTERSECT', 'INTERSECT DISTINCT', 'EXCEPT', 'EXCEPT DISTINCT']);
const JOIN_WORDS = new Set(['LEFT', 'RIGHT', 'FULL', 'INNER', 'OUTER', 'ANY', 'ALL', 'SEMI', 'ANTI', 'ASOF', 'CROSS', 'JOIN']);

interface PendingJoin {
  readonly source: Source;
  readonly sql: string;
  readonly join: JoinExprNode;
}

export interface TopLevelLimit {
  /** LIMIT when the query has none. */
  readonly defaultLimit: number;
  /** The largest LIMIT allowed. */
  readonly maxLimit: number;
  /** Added to the limit so that the caller can tell whether there are more rows (1 for hasMore). */
  readonly extra?: number;
}

export class HogQLPrinter extends ExpressionPrinter {
  constructor(options: PrinterOptions) {
    super(options);
  }

  /** A whole query; `limit` caps the outermost result; `autoFilters` ANDs the filters into top-level selects from events. */
  printTopLevel(node: AstNode, opts: { limit?: TopLevelLimit; autoFilters?: boolean } = {}): { sql: string; limit?: number } {
    let query = node;
    if (opts.autoFilters && this.options.filters) query = withFilters(query);
    if (!opts.limit) return { sql: this.printQuery(query, emptyScope()) };
    const limit = effectiveLimit(query, opts.limit);
    const extra = opts.limit.extra ?? 0;
    if (query.node === 'SelectQuery') {
      const offset = (query as SelectQueryNode).offset;
      const sql = this.printQuery({ ...query, limit: { node: 'Constant', value: limit + extra }, offset }, emptyScope());
      return { sql, limit };
    }
    return { sql: `SELECT * FROM (${this.printQuery(query, emptyScope())}) LIMIT ${limit + extra}`, limit };
  }

  protected printQuery(node: AstNode, scope: Scope): string {
    return this.nested(() => {
      if (node.node === 'SelectQuery') return this.printSelect(node as SelectQueryNode, scope.ctes);
      if (node.node === 'SelectSetQuery') {
        const parts = [this.printSetMember(node.initial_select_query as AstNode, scope)];
        for (const next of (node.subsequent_select_queries as { set_operator: string; select_query: AstNode }[]) ?? []) {
          const op = String(next.set_operator).toUpperCase().replace(/\s+/g, ' ');
          if (!SET_OPERATORS.has(op)) fail(`Unsupported set operator: ${next.set_operator}`);
          parts.push(op, this.printSetMember(next.select_query, scope));
        }
        return parts.join(' ');
      }
      return fail(`Expected a SELECT query, got ${String(node.node)}.`);
    });
  }

  private printSetMember(node: AstNode, scope: Scope): string {
    const sql = this.printQuery(node, scope);
    return node.node === 'SelectSetQuery' ? `(${sql})` : sql;
  }

  private defineCtes(select: SelectQueryNode, inherited: ReadonlyMap<string, CteEntry>): Map<string, CteEntry> {
    const ctes = new Map(inherited);
    const raw = select.ctes;
    const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : [];
    for (const cte of list as AstNode[]) {
      const name = String(cte.name ?? '');
      if (!name) fail('A CTE needs a name.');
      const kind = cte.cte_type === 'column' ? 'column' : 'subquery';
      const expr = cte.expr as AstNode;
      if (kind === 'subquery' && expr?.node !== 'SelectQuery' && expr?.node !== 'SelectSetQuery') fail(`CTE ${name} must be a SELECT.`);
      ctes.set(name, { name, kind, expr, visible: new Map(ctes) });
    }
    return ctes;
  }

  private printSelect(select: SelectQueryNode, inherited: ReadonlyMap<string, CteEntry>): string {
    if (select.qualify) fail('QUALIFY is not supported.');
    const ctes = this.defineCtes(select, inherited);
    const joins = this.collectJoins(select.select_from ?? null, ctes);
    const arrayJoin = Array.isArray(select.array_join_list) ? (select.array_join_list as AstNode[]) : [];
    const selectAliases = (select.select ?? []).filter((s) => s.node === 'Alias').map((s) => String(s.alias));
    const arrayAliases = arrayJoin.filter((s) => s.node === 'Alias').map((s) => String(s.alias));
    const scope: Scope = {
      sources: joins.map((j) => j.source),
      aliases: new Set([...selectAliases, ...arrayAliases]),
      lambdaArgs: new Set(),
      ctes,
    };
    const clauses = [`SELECT ${select.distinct ? 'DISTINCT ' : ''}${this.printSelectList(select.select, scope)}`];
    if (joins.length) clauses.push(`FROM ${this.printJoins(joins, scope)}`);
    if (arrayJoin.length) {
      const op = String(select.array_join_op ?? 'ARRAY JOIN').toUpperCase();
      if (op !== 'ARRAY JOIN' && op !== 'LEFT ARRAY JOIN' && op !== 'INNER ARRAY JOIN') fail('Unsupported ARRAY JOIN.');
      clauses.push(`${op} ${arrayJoin.map((e) => (e.node === 'Alias' ? `${this.printExpr(e.expr as AstNode, { ...scope, excludedAlias: String(e.alias) })} AS ${escapeIdentifier(String(e.alias))}` : this.printExpr(e, scope))).join(', ')}`);
    }
    const where = [select.prewhere, select.where].filter((e): e is AstNode => !!e).map((e) => this.printExpr(e, scope));
    if (where.length) clauses.push(`WHERE ${where.length === 1 ? where[0] : `and(${where.join(', ')})`}`);
    if (select.group_by?.length) clauses.push(`GROUP BY ${this.printList(select.group_by, scope).join(', ')}`);
    if (select.having) clauses.push(`HAVING ${this.printExpr(select.having, scope)}`);
    if (select.window_exprs && typeof select.window_exprs === 'object') {
      const defs = Object.entries(select.window_exprs as Record<string, AstNode>).map(
        ([name, w]) => `${escapeIdentifier(name)} AS (${printWindowExpr(w, (e) => this.printExpr(e, scope))})`,
      );
      if (defs.length) clauses.push(`WINDOW ${defs.join(', ')}`);
    }
    if (select.order_by?.length) clauses.push(`ORDER BY ${printOrderList(select.order_by, (e) => this.printExpr(e, scope))}`);
    const limitBy = select.limit_by as AstNode | null | undefined;
    if (limitBy) clauses.push(`LIMIT ${this.printCount(limitBy.n as AstNode, 'LIMIT BY')} BY ${this.printList(limitBy.exprs, scope).join(', ')}`);
    if (select.limit) clauses.push(`LIMIT ${this.printCount(select.limit, 'LIMIT')}`);
    if (select.offset) clauses.push(`OFFSET ${this.printCount(select.offset, 'OFFSET')}`);
    return clauses.join(' ');
  }

  /** LIMIT/OFFSET take a non-negative integer (a literal or a placeholder's value). */
  private printCount(node: AstNode, what: string): string {
    const value = node.node === 'Placeholder' ? this.placeholder(node) : node;
    if (value.node !== 'Constant' || typeof value.value !== 'number' || !Number.isSafeInteger(value.value) || value.value < 0) {
      fail(`${what} must be a non-negative integer.`);
    }
    return String(value.value);
  }

  private printSelectList(items: readonly AstNode[] | undefined, scope: Scope): string {
    if (!items?.length) fail('SELECT needs at least one column.');
    const used = new Set(items.filter((i) => i.node === 'Alias').map((i) => String(i.alias)));
    const out: string[] = [];
    for (const item of items) {
      if (item.node === 'Field' && (item.chain as unknown[])[(item.chain as unknown[]).length - 1] === '*') {
        out.push(...this.expandAsterisk(item.chain as string[], scope));
      } else if (item.node === 'Alias') {
        const alias = String(item.alias);
        out.push(`${this.printExpr(item.expr as AstNode, { ...scope, excludedAlias: alias })} AS ${escapeIdentifier(alias)}`);
      } else {
        let name = outputName(item);
        for (let n = 1; used.has(name); n++) name = `${outputName(item)}_${n}`;
        used.add(name);
        out.push(`${this.printExpr(item, scope)} AS ${escapeIdentifier(name)}`);
      }
    }
    return out.join(', ');
  }

  private expandAsterisk(chain: readonly string[], scope: Scope): string[] {
    if (chain.length > 2) fail(`Unable to resolve field: ${chain.join('.')}`);
    const sources = chain.length === 2 ? scope.sources.filter((s) => s.alias === chain[0]) : scope.sources;
    if (!sources.length) fail(chain.length === 2 ? `Unable to resolve field: ${chain.join('.')}` : 'SELECT * needs a FROM clause.');
    return sources.flatMap((source) => {
      const names = source.table ? source.table.asterisk : source.columns ? [...source.columns.keys()] : null;
      if (!names) return [source.alias ? `${escapeIdentifier(source.alias)}.*` : '*'];
      return names.map((name) => `${this.printField(source.alias ? [source.alias, name] : [name], scope).sql} AS ${escapeIdentifier(name)}`);
    });
  }

  private collectJoins(first: JoinExprNode | null, ctes: ReadonlyMap<string, CteEntry>): PendingJoin[] {
    const joins: PendingJoin[] = [];
    for (let join = first; join; join = join.next_join ?? null) {
      if (join.node !== 'JoinExpr') fail('Malformed FROM clause.');
      if (joins.length > 32) fail('Too many joins.');
      joins.push(this.printTableExpr(join, ctes));
    }
    return joins;
  }

  private printTableExpr(join: JoinExprNode, ctes: ReadonlyMap<string, CteEntry>): PendingJoin {
    const table = join.table;
    const userAlias = join.alias ? String(join.alias) : '';
    if (!table) fail('Malformed FROM clause.');
    if (table.node === 'SelectQuery' || table.node === 'SelectSetQuery') {
      const sql = `(${this.printQuery(table, emptyScope(ctes))})`;
      return { join, source: { alias: userAlias, columns: outputColumns(table) }, sql: userAlias ? `${sql} AS ${escapeIdentifier(userAlias)}` : sql };
    }
    if (table.node !== 'Field') fail(`Unsupported table expression: ${String(table.node)}.`);
    const chain = (table.chain as unknown[]).map(String);
    if (chain.length !== 1) fail(`Database-qualified table names are not allowed: ${chain.join('.')}.`);
    const name = chain[0];
    if (join.table_args) return this.printTableFunction(join, name, userAlias || name);
    const alias = userAlias || name;
    const cte = ctes.get(name);
    if (cte) {
      if (cte.kind !== 'subquery') fail(`${name} is not a table.`);
      const sql = `(${this.printQuery(cte.expr, emptyScope(cte.visible))}) AS ${escapeIdentifier(alias)}`;
      return { join, source: { alias, columns: outputColumns(cte.expr) }, sql };
    }
    const hogqlTable: HogQLTable = HOGQL_TABLES.get(name) ?? fail(`Unknown table: ${name}.`);
    const sample = this.printSample(join.sample);
    return { join, source: { alias, table: hogqlTable }, sql: `(${hogqlTable.wrap(this.options.teamId, sample)}) AS ${escapeIdentifier(alias)}` };
  }

  private printSample(sample: AstNode | null | undefined): string {
    if (!sample) return '';
    const ratio = sample.sample_value as AstNode;
    const num = (ratio?.left as AstNode | undefined)?.value;
    const den = (ratio?.right as AstNode | undefined)?.value;
    if (typeof num !== 'number' || !(num > 0) || (den !== undefined && (typeof den !== 'number' || !(den > 0)))) fail('SAMPLE takes a positive ratio.');
    if (sample.offset_value) fail('SAMPLE ... OFFSET is not supported.');
    return ` SAMPLE ${num}${typeof den === 'number' ? `/${den}` : ''}`;
  }

  private printTableFunction(join: JoinExprNode, name: string, alias: string): PendingJoin {
    const spec = TABLE_FUNCTIONS.get(name) ?? fail(`Table function ${name}() is not allowed.`);
    const args = join.table_args ?? [];
    if (args.length < spec.minArgs || args.length > spec.maxArgs) fail(`Table function ${name}() takes ${spec.minArgs} to ${spec.maxArgs} arguments.`);
    const values = args.map((a) => {
      const v = a.node === 'Placeholder' ? this.placeholder(a) : a;
      if (v.node !== 'Constant' || typeof v.value !== 'number' || !Number.isSafeInteger(v.value) || v.value < 0) fail(`Arguments of ${name}() must be non-negative integers.`);
      return v.value as number;
    });
    if (values[values.length - 1] > MAX_NUMBERS_ROWS) fail(`${name}() is limited to ${MAX_NUMBERS_ROWS} rows.`);
    const sql = `${name}(${values.join(', ')})${alias ? ` AS ${escapeIdentifier(alias)}` : ''}`;
    return { join, source: { alias, columns: new Map([['number', { json: false }]]) }, sql };
  }

  private printJoins(joins: readonly PendingJoin[], scope: Scope): string {
    return joins
      .map((j, i) => {
        if (i === 0) return j.sql;
        const type = String(j.join.join_type ?? 'JOIN').toUpperCase().trim().split(/\s+/);
        if (type.length > 5 || type[type.length - 1] !== 'JOIN' || type.some((w) => !JOIN_WORDS.has(w))) fail(`Unsupported join: ${String(j.join.join_type)}.`);
        const constraint = j.join.constraint;
        if (!constraint) return `${type.join(' ')} ${j.sql}`;
        const kind = String(constraint.constraint_type).toUpperCase();
        if (kind === 'ON') return `${type.join(' ')} ${j.sql} ON ${this.printExpr(constraint.expr, scope)}`;
        if (kind !== 'USING') fail('Joins take ON or USING.');
        const fields = constraint.expr.node === 'Tuple' ? (constraint.expr.exprs as AstNode[]) : [constraint.expr];
        const names = fields.map((f) => {
          const chain = f.node === 'Field' ? (f.chain as unknown[]) : [];
          if (chain.length !== 1) fail('USING takes column names.');
          return escapeIdentifier(String(chain[0]));
        });
        return `${type.join(' ')} ${j.sql} USING (${names.join(', ')})`;
      })
      .join(' ');
  }
}

/** The columns a subquery returns, by name (null when it selects `*` of something unknown). */
export function outputColumns(node: AstNode): Map<string, ColumnInfo> | null {
  const first = node.node === 'SelectSetQuery' ? (node.initial_select_query as AstNode) : node;
  if (first.node === 'SelectSetQuery') return outputColumns(first);
  const items = (first.select as AstNode[] | undefined) ?? [];
  const columns = new Map<string, ColumnInfo>();
  for (const item of items) {
    if (item.node === 'Field' && (item.chain as unknown[]).includes('*')) {
      const from = (first.select_from as JoinExprNode | null)?.table;
      const table = from?.node === 'Field' ? HOGQL_TABLES.get(String((from.chain as unknown[])[0])) : undefined;
      if (!table || (first.select_from as JoinExprNode).next_join) return null;
      for (const name of table.asterisk) columns.set(name, { json: name === 'properties' });
      continue;
    }
    columns.set(outputName(item), { json: isJsonItem(item) });
  }
  return columns;
}

function effectiveLimit(query: AstNode, limit: TopLevelLimit): number {
  const own = query.node === 'SelectQuery' ? (query as SelectQueryNode).limit : undefined;
  if (own && own.node === 'Constant' && typeof own.value === 'number' && Number.isSafeInteger(own.value) && own.value >= 0) {
    return Math.min(own.value, limit.maxLimit);
  }
  if (own) fail('LIMIT must be a non-negative integer.');
  return limit.defaultLimit;
}

/** ANDs `{filters}` into every top-level SELECT that reads `events` and has no placeholder of its own. */
function withFilters(node: AstNode): AstNode {
  if (node.node === 'SelectSetQuery') {
    return {
      ...node,
      initial_select_query: withFilters(node.initial_select_query as AstNode),
      subsequent_select_queries: (node.subsequent_select_queries as { select_query: AstNode }[]).map((s) => ({ ...s, select_query: withFilters(s.select_query) })),
    };
  }
  const select = node as SelectQueryNode;
  const from = select.select_from?.table;
  if (!from || from.node !== 'Field' || (from.chain as unknown[]).join('.') !== 'events') return node;
  const placeholder: AstNode = { node: 'Placeholder', expr: { node: 'Field', chain: ['filters'] } };
  return { ...select, where: select.where ? { node: 'And', exprs: [select.where, placeholder] } : placeholder };
}
