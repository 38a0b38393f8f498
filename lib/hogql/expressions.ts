/**
 * Expression printing: every node kind the parser emits is mapped explicitly; operators come
 * from fixed tables, functions from the allowlist, literals through the escapers.
 */
import { isNode, type AstNode } from './ast';
import { escapeIdentifier, escapeString, printNumber } from './escape';
import { fail } from './errors';
import { resolveInScope } from './fields';
import { findFunction, type FunctionSpec } from './functions';
import { valueToAst } from './values';
import type { Scope } from './scope';
import { printWindowExpr } from './window';
import { lookup } from '../lookup';

export interface PrinterOptions {
  readonly teamId: number;
  readonly timezone: string;
  readonly now: Date;
  readonly values: Readonly<Record<string, unknown>>;
  /** The expression `{filters}` stands for (and what is added automatically); null: none. */
  readonly filters: AstNode | null;
  /** `{variables.code_name}` as a constant expression (it throws a HogQLError naming a variable it refuses). @default none exist */
  readonly variable?: (codeName: string) => AstNode;
}

const MAX_DEPTH = 96;
const ARITHMETIC: Record<string, string> = { '+': 'plus', '-': 'minus', '*': 'multiply', '/': 'divide', '%': 'modulo' };
const COMPARE: Record<string, string> = {
  '==': 'equals', '!=': 'notEquals', '<': 'less', '>': 'greater', '<=': 'lessOrEquals', '>=': 'greaterOrEquals',
  like: 'like', ilike: 'ilike', 'not like': 'notLike', 'not ilike': 'notILike', in: 'in', 'not in': 'notIn',
};
const CASTS: Record<string, string> = {
  string: 'toString', int: 'toInt64', integer: 'toInt64', float: 'toFloat64', double: 'toFloat64', date: 'toDate',
  datetime: 'toDateTime', boolean: 'toBool', bool: 'toBool', uuid: 'toUUID',
};

export abstract class ExpressionPrinter {
  private depth = 0;

  constructor(protected readonly options: PrinterOptions) {}

  /** A SELECT or set of SELECTs (scalar subquery, IN subquery). */
  protected abstract printQuery(node: AstNode, scope: Scope): string;

  protected nested<T>(fn: () => T): T {
    if (++this.depth > MAX_DEPTH) fail('The query is nested too deeply.');
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  printExpr(node: AstNode, scope: Scope): string {
    if (!isNode(node)) fail('Malformed expression.');
    return this.nested(() => this.printNode(node, scope));
  }

  protected printList(nodes: unknown, scope: Scope): string[] {
    if (!Array.isArray(nodes)) return [];
    return nodes.map((n) => this.printExpr(n as AstNode, scope));
  }

  private printNode(node: AstNode, scope: Scope): string {
    switch (node.node) {
      case 'Constant':
        return this.printConstant(node.value);
      case 'Field':
        return this.printField(node.chain as (string | number)[], scope).sql;
      case 'Placeholder':
        return this.printExpr(this.placeholder(node), scope);
      case 'Alias':
        return `(${this.printExpr(node.expr as AstNode, scope)} AS ${escapeIdentifier(String(node.alias))})`;
      case 'ArithmeticOperation': {
        const fn = lookup(ARITHMETIC, String(node.op)) ?? fail(`Unsupported operator: ${String(node.op)}`);
        return `${fn}(${this.printExpr(node.left as AstNode, scope)}, ${this.printExpr(node.right as AstNode, scope)})`;
      }
      case 'CompareOperation':
        return this.printCompare(node, scope);
      case 'And':
      case 'Or':
        return this.printLogical(node.node === 'And' ? 'and' : 'or', node.exprs, scope);
      case 'Not':
        return `not(${this.printExpr(node.expr as AstNode, scope)})`;
      case 'BetweenExpr':
        return `(${this.printExpr(node.expr as AstNode, scope)} ${node.negated ? 'NOT ' : ''}BETWEEN ${this.printExpr(node.low as AstNode, scope)} AND ${this.printExpr(node.high as AstNode, scope)})`;
      case 'Tuple':
        return `tuple(${this.printList(node.exprs, scope).join(', ')})`;
      case 'Array':
        return `[${this.printList(node.exprs, scope).join(', ')}]`;
      case 'ArrayAccess':
        return `arrayElement(${this.printExpr(node.array as AstNode, scope)}, ${this.printExpr(node.property as AstNode, scope)})`;
      case 'TupleAccess': {
        const index = node.index;
        if (typeof index !== 'number' || !Number.isInteger(index)) fail('Tuple index must be an integer.');
        return `tupleElement(${this.printExpr(node.tuple as AstNode, scope)}, ${index})`;
      }
      case 'TypeCast': {
        const fn = lookup(CASTS, String(node.type_name).toLowerCase()) ?? fail(`Unsupported type: ${String(node.type_name)}`);
        return `${fn}(${this.printExpr(node.expr as AstNode, scope)})`;
      }
      case 'Lambda':
        return this.printLambda(node, scope);
      case 'Call':
        return this.printCall(node, scope);
      case 'WindowFunction':
        return this.printWindowFunction(node, scope);
      case 'SelectQuery':
      case 'SelectSetQuery':
        return `(${this.printQuery(node, scope)})`;
      default:
        return fail(`Unsupported expression: ${node.node}`);
    }
  }

  protected printConstant(value: unknown): string {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (typeof value === 'number') return printNumber(value);
    if (typeof value === 'string') return escapeString(value);
    return fail('Unsupported constant.');
  }

  protected placeholder(node: AstNode): AstNode {
    const expr = node.expr as AstNode | undefined;
    const chain = expr?.node === 'Field' ? (expr.chain as unknown[]) : undefined;
    if (chain?.length === 2 && chain[0] === 'variables') return this.variable(String(chain[1]));
    if (!chain || chain.length !== 1) fail('Placeholders must be a single name: {name} or {variables.code_name}.');
    const name = String(chain[0]);
    if (name === 'filters') return this.options.filters ?? { node: 'Constant', value: true };
    if (!Object.prototype.hasOwnProperty.call(this.options.values, name)) fail(`Placeholder {${name}} has no value.`);
    return valueToAst(this.options.values[name], name);
  }

  private variable(codeName: string): AstNode {
    if (!this.options.variable) fail(`Variable {variables.${codeName}} does not exist in this project.`);
    return this.options.variable(codeName);
  }

  protected printField(chain: readonly (string | number)[], scope: Scope): { sql: string; property: boolean } {
    if (!Array.isArray(chain) || chain.length === 0) fail('Malformed field.');
    const head = String(chain[0]);
    if (head === '*') fail('* is only allowed in the SELECT list or in count(*).');
    if (scope.lambdaArgs.has(head)) {
      if (chain.length > 1) fail(`Unable to resolve field: ${chain.join('.')}`);
      return { sql: escapeIdentifier(head), property: false };
    }
    if (chain.length === 1 && scope.aliases.has(head) && head !== scope.excludedAlias) return { sql: escapeIdentifier(head), property: false };
    const cte = chain.length === 1 ? scope.ctes.get(head) : undefined;
    if (cte && cte.kind === 'column') return { sql: `(${this.printExpr(cte.expr, { ...scope, ctes: cte.visible })})`, property: false };
    return resolveInScope(scope, chain, this.options);
  }

  private printLogical(fn: 'and' | 'or', exprs: unknown, scope: Scope): string {
    const parts = this.printList(exprs, scope);
    if (parts.length === 0) return fn === 'and' ? '1' : '0';
    return parts.length === 1 ? parts[0] : `${fn}(${parts.join(', ')})`;
  }

  /** A property (String) compared with a number or boolean literal is compared as that type. */
  private operand(node: AstNode, other: AstNode, scope: Scope): string {
    if (node.node !== 'Field') return this.printExpr(node, scope);
    const field = this.printField(node.chain as (string | number)[], scope);
    if (!field.property || other.node !== 'Constant') return field.sql;
    if (typeof other.value === 'number') return `toFloat64OrNull(${field.sql})`;
    if (typeof other.value === 'boolean') return `toBool(${field.sql})`;
    return field.sql;
  }

  private printCompare(node: AstNode, scope: Scope): string {
    const op = String(node.op);
    const left = node.left as AstNode;
    let right = node.right as AstNode;
    if (right?.node === 'Placeholder') right = this.placeholder(right);
    if (right?.node === 'Constant' && right.value === null && (op === '==' || op === '!=')) {
      return `${op === '==' ? 'isNull' : 'isNotNull'}(${this.printExpr(left, scope)})`;
    }
    const l = this.operand(left, right, scope);
    if (op === 'in' || op === 'not in') {
      const set = right.node === 'Array' ? { ...right, node: 'Tuple' } : right;
      const r = set.node === 'Constant' ? `tuple(${this.printExpr(set, scope)})` : this.printExpr(set, scope);
      return `${COMPARE[op]}(${l}, ${r})`;
    }
    const r = this.operand(right, left, scope);
    switch (op) {
      case '=~':
        return `match(${l}, ${r})`;
      case '!~':
        return `not(match(${l}, ${r}))`;
      case '=~*':
        return `match(${l}, concat('(?i)', ${r}))`;
      case '!~*':
        return `not(match(${l}, concat('(?i)', ${r})))`;
    }
    const fn = lookup(COMPARE, op) ?? fail(`Unsupported operator: ${op}`);
    return `${fn}(${l}, ${r})`;
  }

  private printLambda(node: AstNode, scope: Scope): string {
    const args = node.args;
    if (!Array.isArray(args) || args.length === 0 || args.some((a) => typeof a !== 'string')) fail('Malformed lambda.');
    const inner: Scope = { ...scope, lambdaArgs: new Set([...scope.lambdaArgs, ...(args as string[])]) };
    const params = (args as string[]).map(escapeIdentifier).join(', ');
    return `(${params}) -> ${this.printExpr(node.expr as AstNode, inner)}`;
  }

  private checkArity(name: string, spec: FunctionSpec, count: number): void {
    if (count < spec.minArgs || count > spec.maxArgs) {
      const expected = spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`;
      fail(`Function ${name} takes ${expected} argument(s), got ${count}.`);
    }
  }

  private printCall(node: AstNode, scope: Scope): string {
    const name = String(node.name);
    let args = Array.isArray(node.args) ? (node.args as AstNode[]) : [];
    const special = this.printSpecialCall(name, args, scope);
    if (special !== undefined) return special;
    const spec = findFunction(name) ?? fail(`Unsupported function: ${name}`);
    if (spec.window) fail(`Function ${name} needs an OVER clause.`);
    if (spec.aggregate && args.length === 1 && args[0].node === 'Field' && (args[0].chain as unknown[]).join('.') === '*') args = [];
    this.checkArity(name, spec, args.length);
    const params = Array.isArray(node.params) ? (node.params as AstNode[]) : [];
    let paramsSql = '';
    if (params.length || spec.params) {
      const [min, max] = spec.params ?? [0, 0];
      if (params.length < min || params.length > max) fail(`Function ${name} takes ${min} to ${max} parameter(s).`);
      if (params.some((p) => p.node !== 'Constant')) fail(`Parameters of ${name} must be constants.`);
      if (params.length) paramsSql = `(${params.map((p) => this.printConstant(p.value)).join(', ')})`;
    }
    if ((node.distinct || node.filter_expr) && !spec.aggregate) fail(`DISTINCT and FILTER apply only to aggregate functions, not ${name}.`);
    const printed = this.printList(args, scope);
    if (node.filter_expr) {
      printed.push(this.printExpr(node.filter_expr as AstNode, scope));
      return `${spec.clickhouse}If${paramsSql}(${node.distinct ? 'DISTINCT ' : ''}${printed.join(', ')})`;
    }
    return `${spec.clickhouse}${paramsSql}(${node.distinct ? 'DISTINCT ' : ''}${printed.join(', ')})`;
  }

  /** now(), today(), yesterday() (the query's "now" in the project's time zone); toDateTime(x) in it too. */
  private printSpecialCall(name: string, args: AstNode[], scope: Scope): string | undefined {
    const tz = escapeString(this.options.timezone);
    const now = `fromUnixTimestamp64Milli(${this.options.now.getTime()}, ${tz})`;
    switch (name.toLowerCase()) {
      case 'now':
        if (args.length) fail('Function now takes 0 arguments.');
        return now;
      case 'today':
        if (args.length) fail('Function today takes 0 arguments.');
        return `toDate(${now}, ${tz})`;
      case 'yesterday':
        if (args.length) fail('Function yesterday takes 0 arguments.');
        return `minus(toDate(${now}, ${tz}), 1)`;
      case 'todatetime':
        if (args.length === 1) return `toDateTime(${this.printExpr(args[0], scope)}, ${tz})`;
        return undefined;
      default:
        return undefined;
    }
  }

  private printWindowFunction(node: AstNode, scope: Scope): string {
    const name = String(node.name);
    const spec = findFunction(name) ?? fail(`Unsupported function: ${name}`);
    if (!spec.window && !spec.aggregate) fail(`Function ${name} is not a window function.`);
    const exprs = Array.isArray(node.exprs) ? (node.exprs as AstNode[]) : [];
    const params = Array.isArray(node.args) ? (node.args as AstNode[]) : [];
    this.checkArity(name, spec, exprs.length);
    if (params.some((p) => p.node !== 'Constant')) fail(`Parameters of ${name} must be constants.`);
    const paramsSql = params.length ? `(${params.map((p) => this.printConstant(p.value)).join(', ')})` : '';
    const over = node.over_identifier
      ? escapeIdentifier(String(node.over_identifier))
      : `(${printWindowExpr(node.over_expr as AstNode, (e) => this.printExpr(e, scope))})`;
    return `${spec.clickhouse}${paramsSql}(${this.printList(exprs, scope).join(', ')}) OVER ${over}`;
  }
}
