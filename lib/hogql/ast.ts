/**
 * The JSON AST of `@posthog/hogql-parser` (the nodes this engine understands). The parser's
 * output is untrusted input: every field is checked where it is printed, never echoed verbatim.
 */
export interface AstNode {
  readonly node: string;
  readonly [key: string]: unknown;
}

export interface FieldNode extends AstNode {
  readonly node: 'Field';
  readonly chain: readonly (string | number)[];
}

export interface ConstantNode extends AstNode {
  readonly node: 'Constant';
  readonly value: unknown;
}

export interface CallNode extends AstNode {
  readonly node: 'Call';
  readonly name: string;
  readonly args: readonly AstNode[];
  readonly params?: readonly AstNode[] | null;
  readonly distinct?: boolean;
  readonly filter_expr?: AstNode | null;
}

export interface JoinExprNode extends AstNode {
  readonly node: 'JoinExpr';
  readonly table: AstNode | null;
  readonly table_args?: readonly AstNode[] | null;
  readonly alias?: string | null;
  readonly join_type?: string | null;
  readonly constraint?: { readonly constraint_type: string; readonly expr: AstNode } | null;
  readonly next_join?: JoinExprNode | null;
  readonly sample?: AstNode | null;
}

export interface SelectQueryNode extends AstNode {
  readonly node: 'SelectQuery';
  readonly select: readonly AstNode[];
  readonly select_from?: JoinExprNode | null;
  readonly where?: AstNode | null;
  readonly prewhere?: AstNode | null;
  readonly group_by?: readonly AstNode[] | null;
  readonly having?: AstNode | null;
  readonly order_by?: readonly AstNode[] | null;
  readonly limit?: AstNode | null;
  readonly offset?: AstNode | null;
  readonly distinct?: boolean | null;
  readonly ctes?: readonly AstNode[] | Record<string, AstNode> | null;
}

export interface SelectSetNode extends AstNode {
  readonly node: 'SelectSetQuery';
  readonly initial_select_query: AstNode;
  readonly subsequent_select_queries: readonly { readonly set_operator: string; readonly select_query: AstNode }[];
}

export const field = (...chain: string[]): FieldNode => ({ node: 'Field', chain });
export const constant = (value: unknown): ConstantNode => ({ node: 'Constant', value });
export const call = (name: string, ...args: AstNode[]): CallNode => ({ node: 'Call', name, args });
export const compare = (left: AstNode, op: string, right: AstNode): AstNode => ({ node: 'CompareOperation', left, op, right });
export const and = (...exprs: AstNode[]): AstNode => ({ node: 'And', exprs });
export const or = (...exprs: AstNode[]): AstNode => ({ node: 'Or', exprs });
export const not = (expr: AstNode): AstNode => ({ node: 'Not', expr });

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { node?: unknown }).node === 'string';
}
