/**
 * Trends formulas (`A/B*100`, `(A+B)/2`): series letters, numbers, + - * / and parentheses,
 * evaluated per data point. Division by zero gives 0, as PostHog's charts show it.
 */
import { BadRequestError } from '../../http/errors';

type Node = { n: number } | { v: number } | { op: string; a: Node; b: Node } | { neg: Node };

export function parseFormula(text: string, seriesCount: number, field = 'trendsFilter.formula'): (values: readonly number[]) => number {
  const tokens = text.toUpperCase().match(/\s*(\d+(?:\.\d+)?|[A-Z]|[-+*/()])/g)?.map((t) => t.trim()) ?? [];
  if (tokens.join('') !== text.toUpperCase().replace(/\s+/g, '')) throw new BadRequestError('invalid_input', `${field}: "${text}" is not a formula of series letters, numbers and + - * / ( ).`, field);
  let i = 0;
  const fail = (why: string): never => {
    throw new BadRequestError('invalid_input', `${field}: ${why} in "${text}".`, field);
  };
  const primary = (): Node => {
    const t = tokens[i++];
    if (t === undefined) return fail('unexpected end');
    if (t === '(') {
      const e = sum();
      if (tokens[i++] !== ')') fail('missing )');
      return e;
    }
    if (t === '-') return { neg: primary() };
    if (/^[A-Z]$/.test(t)) {
      const index = t.charCodeAt(0) - 65;
      if (index >= seriesCount) fail(`series ${t} does not exist`);
      return { v: index };
    }
    if (/^\d/.test(t)) return { n: Number(t) };
    return fail(`unexpected "${t}"`);
  };
  const product = (): Node => {
    let a = primary();
    while (tokens[i] === '*' || tokens[i] === '/') a = { op: tokens[i++], a, b: primary() };
    return a;
  };
  const sum = (): Node => {
    let a = product();
    while (tokens[i] === '+' || tokens[i] === '-') a = { op: tokens[i++], a, b: product() };
    return a;
  };
  const root = sum();
  if (i !== tokens.length) fail(`unexpected "${tokens[i]}"`);
  const evaluate = (node: Node, values: readonly number[]): number => {
    if ('n' in node) return node.n;
    if ('v' in node) return values[node.v] ?? 0;
    if ('neg' in node) return -evaluate(node.neg, values);
    const a = evaluate(node.a, values);
    const b = evaluate(node.b, values);
    if (node.op === '+') return a + b;
    if (node.op === '-') return a - b;
    if (node.op === '*') return a * b;
    return b === 0 ? 0 : a / b;
  };
  return (values) => evaluate(root, values);
}
