/** Query `values` (for `{name}` placeholders) as AST constants: scalars, and arrays of them. */
import type { AstNode } from './ast';
import { fail } from './errors';

export function valueToAst(value: unknown, name: string): AstNode {
  if (value === null || value === undefined) return { node: 'Constant', value: null };
  if (typeof value === 'string' || typeof value === 'boolean') return { node: 'Constant', value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`Value {${name}} is not a finite number.`);
    return { node: 'Constant', value };
  }
  if (Array.isArray(value)) return { node: 'Array', exprs: value.map((v) => valueToAst(v, name)) };
  return fail(`Value {${name}} must be a string, number, boolean, null or an array of them.`);
}
