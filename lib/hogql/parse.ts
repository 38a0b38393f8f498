import createHogQLParser, { type HogQLParser } from '@posthog/hogql-parser';
import type { AstNode } from './ast';
import { HogQLError } from './errors';

/** Longest HogQL text accepted (PostHog's own limit is of this order). */
export const MAX_QUERY_LENGTH = 64 * 1024;

let parser: HogQLParser | undefined;
let loading: Promise<HogQLParser> | undefined;

/** Loads the WASM parser once per process (about 40 ms). Runners await it before printing. */
export function loadHogQLParser(): Promise<HogQLParser> {
  loading ??= createHogQLParser().then((p) => (parser = p));
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

function checkLength(text: string): void {
  if (typeof text !== 'string') throw new HogQLError('The query must be a string.');
  if (text.length > MAX_QUERY_LENGTH) throw new HogQLError(`The query is longer than ${MAX_QUERY_LENGTH} characters.`);
}

export function parseSelect(text: string): AstNode {
  checkLength(text);
  return decode(loaded().parseSelect(text, true), 'query');
}

export function parseExpr(text: string): AstNode {
  checkLength(text);
  return decode(loaded().parseExpr(text, true), 'expression');
}

export function parseOrderExpr(text: string): AstNode {
  checkLength(text);
  return decode(loaded().parseOrderExpr(text, true), 'ORDER BY expression');
}
