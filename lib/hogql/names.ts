/**
 * HogQL text of an expression, used for result column names (PostHog names an unaliased
 * column by its HogQL: `count()`, `event`, `$browser`) and in error messages.
 */
import type { AstNode } from './ast';
import { lookup } from '../lookup';

const ARITHMETIC: Record<string, string> = { '+': 'plus', '-': 'minus', '*': 'multiply', '/': 'divide', '%': 'modulo' };

function list(nodes: unknown): string {
  return Array.isArray(nodes) ? nodes.map((n) => hogqlText(n as AstNode)).join(', ') : '';
}

export function hogqlText(node: AstNode): string {
  switch (node.node) {
    case 'Field':
      return (node.chain as unknown[]).map(String).join('.');
    case 'Constant': {
      const v = node.value;
      if (v === null || v === undefined) return 'NULL';
      return typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(v);
    }
    case 'Alias':
      return String(node.alias);
    case 'Call': {
      const params = Array.isArray(node.params) && node.params.length ? `(${list(node.params)})` : '';
      return `${String(node.name)}${params}(${node.distinct ? 'DISTINCT ' : ''}${list(node.args)})`;
    }
    case 'ArithmeticOperation':
      return `${lookup(ARITHMETIC, String(node.op)) ?? String(node.op)}(${hogqlText(node.left as AstNode)}, ${hogqlText(node.right as AstNode)})`;
    case 'CompareOperation':
      return `${hogqlText(node.left as AstNode)} ${String(node.op)} ${hogqlText(node.right as AstNode)}`;
    case 'And':
      return `and(${list(node.exprs)})`;
    case 'Or':
      return `or(${list(node.exprs)})`;
    case 'Not':
      return `not(${hogqlText(node.expr as AstNode)})`;
    case 'Tuple':
      return `tuple(${list(node.exprs)})`;
    case 'Array':
      return `[${list(node.exprs)}]`;
    case 'ArrayAccess':
      return `${hogqlText(node.array as AstNode)}[${hogqlText(node.property as AstNode)}]`;
    case 'TupleAccess':
      return `${hogqlText(node.tuple as AstNode)}.${String(node.index)}`;
    case 'Placeholder':
      return `{${hogqlText(node.expr as AstNode)}}`;
    case 'WindowFunction':
      return `${String(node.name)}(${list(node.exprs)}) OVER (...)`;
    case 'Lambda':
      return `${(node.args as unknown[]).map(String).join(', ')} -> ${hogqlText(node.expr as AstNode)}`;
    case 'TypeCast':
      return `${hogqlText(node.expr as AstNode)}::${String(node.type_name)}`;
    default:
      return node.node;
  }
}

/** The output name of a select item (alias, a field's last part, or the HogQL text). */
export function outputName(node: AstNode): string {
  if (node.node === 'Alias') return String(node.alias);
  if (node.node === 'Field') {
    const chain = node.chain as unknown[];
    return String(chain[chain.length - 1]);
  }
  return hogqlText(node);
}

/** A select item holding JSON text (`properties`, `person.properties`, `x AS props` of those). */
export function isJsonItem(node: AstNode): boolean {
  const inner = node.node === 'Alias' ? (node.expr as AstNode) : node;
  if (inner.node !== 'Field') return false;
  const chain = inner.chain as unknown[];
  const last = String(chain[chain.length - 1]);
  return last === 'properties' || /^(person|group\d)_properties$/.test(last);
}
