import type { HogQLParser } from '@posthog/hogql-parser';
import type { AstNode } from './ast';
import { HogQLError } from './errors';

/** Longest HogQL text accepted (PostHog's own limit is of this order). */
export const MAX_QUERY_LENGTH = 64 * 1024;
/**
 * Deepest bracket nesting accepted. The ANTLR parser's time grows steeply with nesting (300
 * nested parentheses took 63 s on this machine; 48 nested calls 6 s; 24 about 2 s) and very
 * deep input overflows the WASM stack, so deeper text is refused before it reaches the parser.
 */
export const MAX_NESTING = 24;
const CACHE_SIZE = 500;

let parser: HogQLParser | undefined;
let loading: Promise<HogQLParser> | undefined;

/**
 * Loads the WASM parser once per process (about 40 ms), on the first query that needs it: its
 * 1.1 MB module is not part of a Lambda's cold start (the api Lambda carries it beside its bundle).
 * Runners await it before printing.
 */
export function loadHogQLParser(): Promise<HogQLParser> {
  loading ??= import('@posthog/hogql-parser').then(async (mod) => (parser = await mod.default()));
  return loading;
}

function loaded(): HogQLParser {
  if (!parser) throw new Error('The HogQL parser is not loaded: await loadHogQLParser() first.');
  return parser;
}

function decode(json: string, what: string): AstNode {
  let ast: unknown;
  try {
    ast = JSON.parse(json);
  } catch {
    throw new HogQLError(`Unable to parse the ${what}.`);
  }
  if (!ast || typeof ast !== 'object') throw new HogQLError(`Unable to parse the ${what}.`);
  const result = ast as { error?: boolean; message?: string; type?: string; node?: string };
  if (result.error) {
    const message = String(result.message ?? 'syntax error').replace(/^Unsupported: SelectStmt\.settingsClause\(\)$/, 'SETTINGS clauses are not allowed');
    throw new HogQLError(`${result.type === 'SyntaxError' ? 'Syntax error' : 'Unsupported query'}: ${message}`);
  }
  if (typeof result.node !== 'string') throw new HogQLError(`Unable to parse the ${what}.`);
  return ast as AstNode;
}

/** The deepest (, [ or { nesting outside string literals, quoted identifiers and comments. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '(' || c === '[' || c === '{') {
      max = Math.max(max, ++depth);
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
    }
  }
  return max;
}

function check(text: string): void {
  if (typeof text !== 'string') throw new HogQLError('The query must be a string.');
  if (text.length > MAX_QUERY_LENGTH) throw new HogQLError(`The query is longer than ${MAX_QUERY_LENGTH} characters.`);
  if (nestingDepth(text) > MAX_NESTING) throw new HogQLError(`The query is nested too deeply (more than ${MAX_NESTING} levels of brackets).`);
}

const cache = new Map<string, AstNode>();

function parse(kind: 'parseSelect' | 'parseExpr' | 'parseOrderExpr', text: string, what: string): AstNode {
  check(text);
  const key = `${kind}\u0000${text}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let json: string;
  try {
    json = loaded()[kind](text, true);
  } catch (error) {
    // A WASM trap (stack overflow) may leave the instance unusable: start a fresh one.
    parser = undefined;
    loading = undefined;
    void loadHogQLParser();
    throw new HogQLError(`Unable to parse the ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ast = decode(json, what);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, ast);
  return ast;
}

/** ASTs are shared through the cache: callers copy, never mutate. */
export function parseSelect(text: string): AstNode {
  return parse('parseSelect', text, 'query');
}

export function parseExpr(text: string): AstNode {
  return parse('parseExpr', text, 'expression');
}

export function parseOrderExpr(text: string): AstNode {
  return parse('parseOrderExpr', text, 'ORDER BY expression');
}
