/** OVER (PARTITION BY … ORDER BY … ROWS BETWEEN …) and the WINDOW clause's definitions. */
import type { AstNode } from './ast';
import { fail } from './errors';

const METHODS = new Set(['ROWS', 'RANGE']);
const FRAME_TYPES = new Set(['PRECEDING', 'FOLLOWING', 'CURRENT ROW']);

function frame(node: unknown): string {
  const f = node as AstNode;
  const type = String(f?.frame_type ?? '').toUpperCase();
  if (!FRAME_TYPES.has(type)) fail('Malformed window frame.');
  if (type === 'CURRENT ROW') return 'CURRENT ROW';
  const value = f.frame_value;
  if (value === null || value === undefined) return `UNBOUNDED ${type}`;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail('Window frame offsets must be integers.');
  return `${value} ${type}`;
}

export function printOrderList(items: unknown, print: (e: AstNode) => string): string {
  if (!Array.isArray(items)) return '';
  return items
    .map((item) => {
      const o = item as AstNode;
      if (o.node !== 'OrderExpr') return print(o);
      const dir = String(o.order ?? 'ASC').toUpperCase();
      if (dir !== 'ASC' && dir !== 'DESC') fail('ORDER BY direction must be ASC or DESC.');
      return `${print(o.expr as AstNode)} ${dir}`;
    })
    .join(', ');
}

export function printWindowExpr(node: AstNode | null | undefined, print: (e: AstNode) => string): string {
  if (!node || node.node !== 'WindowExpr') fail('Malformed OVER clause.');
  const parts: string[] = [];
  if (Array.isArray(node.partition_by) && node.partition_by.length) parts.push(`PARTITION BY ${node.partition_by.map((e) => print(e as AstNode)).join(', ')}`);
  if (Array.isArray(node.order_by) && node.order_by.length) parts.push(`ORDER BY ${printOrderList(node.order_by, print)}`);
  if (node.frame_start) {
    const method = String(node.frame_method ?? 'ROWS').toUpperCase();
    if (!METHODS.has(method)) fail('Window frames are ROWS or RANGE.');
    parts.push(node.frame_end ? `${method} BETWEEN ${frame(node.frame_start)} AND ${frame(node.frame_end)}` : `${method} ${frame(node.frame_start)}`);
  }
  return parts.join(' ');
}
