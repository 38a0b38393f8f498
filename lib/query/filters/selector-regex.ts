/**
 * A CSS selector as a regular expression over an event's `elements_chain`, matched in ClickHouse
 * with `match()` (RE2: no look-arounds, no back-references), as PostHog's build_selector_regex does.
 *
 * The chain (posthog-js autocapture, PostHog's elements_to_string) lists the clicked element
 * first, then its ancestors, `;`-separated; each element is
 *   tag.class1.class2:key1="v1"key2="v2"…
 * with classes sorted, attributes sorted by key, `"` in values escaped as `\"`, keys from
 * [A-Za-z0-9_-] (`text`, `href`, `attr_id`, `nth-child`, `nth-of-type`, `attr__<html name>`).
 * Classes may hold `:` (`hover:bg-x`), never `.`, `;`, `"` or `=`.
 *
 * Unlike PostHog's loose pattern, every piece here matches whole tokens: `.btn` does not match
 * class `btn-primary`, `a` does not match tag `abbr`, and a test lands inside one element. Like
 * PostHog, the selector matches when the clicked element or any of its ancestors is its subject.
 */
import { BadRequestError } from '../../http/errors';
import { type AttributeTest, type CompoundSelector, type ParsedSelector, parseSelector } from './css-selector';
import type { SqlParams } from './sql-params';

const QUOTED = '"(?:\\\\.|[^"\\\\])*"';
/** Any one element (quoted values may hold `;`). */
const ANY_ELEMENT = `(?:[^;"]|${QUOTED})*`;
const CLASS = '\\.[^.;"=]+';
const ATTRIBUTE = `[A-Za-z0-9_-]+=${QUOTED}`;
const VALUE_CHARS = '(?:\\\\.|[^"\\\\])*';
/** Required attributes are tried in every order up to this many (else sorted, as chains are). */
const MAX_PERMUTED = 3;

export const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** SQL true for events whose `elements_chain` (column `column`) matches the CSS selector. */
export function selectorSql(selector: string, column: string, params: SqlParams, field: string): string {
  return `match(${column}, ${params.str(selectorRegex(parseSelector(selector, field)))})`;
}

/** The regex (RE2 and JavaScript alike) that an elements_chain matches iff the selector does. */
export function selectorRegex(selector: ParsedSelector): string {
  // The chain runs from the clicked element outwards: the selector's last compound comes first.
  const compounds = [...selector.compounds].reverse();
  const combinators = [...selector.combinators].reverse();
  let regex = `^(?:${ANY_ELEMENT};)*${compoundRegex(compounds[0])}`;
  for (let i = 1; i < compounds.length; i++) {
    regex += combinators[i - 1] === 'child' ? ';' : `;(?:${ANY_ELEMENT};)*`;
    regex += compoundRegex(compounds[i]);
  }
  return `${regex}(?:;|$)`;
}

/** Exactly one element of the chain that matches the compound. */
function compoundRegex(compound: CompoundSelector): string {
  const tag = compound.tag === null ? '[^.:;"]*' : escapeRegex(compound.tag);
  const classes = [...new Set(compound.classes)].sort();
  const classPart = classes.map((c) => `(?:${CLASS})*\\.${escapeRegex(c)}`).join('') + `(?:${CLASS})*`;
  const attributes = [...new Map(compound.attributes.map((a) => [JSON.stringify(a), a])).values()];
  if (attributes.length === 0) return `${tag}${classPart}(?::(?:${ATTRIBUTE})*)?`;
  return `${tag}${classPart}:(?:${orders(attributes).map(attributesInOrder).join('|')})`;
}

/** The attribute section with the tests in this order, other attributes anywhere between. */
function attributesInOrder(tests: readonly AttributeTest[]): string {
  return tests.map((t) => `(?:${ATTRIBUTE})*?${attributeRegex(t)}`).join('') + `(?:${ATTRIBUTE})*`;
}

function attributeRegex(test: AttributeTest): string {
  // The chain writes `"` inside a value as `\"`; a selector may write it either way.
  const value = escapeRegex(test.value.replace(/\\"/g, '"').replace(/"/g, '\\"'));
  const key = escapeRegex(test.key);
  switch (test.operator) {
    case '=':
      return `${key}="${value}"`;
    case '^=':
      return `${key}="${value}${VALUE_CHARS}"`;
    case '$=':
      return `${key}="${VALUE_CHARS}${value}"`;
    case '*=':
      return `${key}="${VALUE_CHARS}${value}${VALUE_CHARS}"`;
    case 'exists':
      return `${key}=${QUOTED}`;
  }
}

/**
 * The orders to try: chains sort attributes by key, but posthog-js sorts with localeCompare and
 * PostHog's server by code point, which disagree on punctuation; trying each order is cheap.
 */
function orders(tests: readonly AttributeTest[]): AttributeTest[][] {
  const sorted = [...tests].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (tests.length > MAX_PERMUTED) return [sorted];
  const permute = (rest: AttributeTest[]): AttributeTest[][] =>
    rest.length <= 1 ? [rest] : rest.flatMap((t, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)]).map((p) => [t, ...p]));
  return permute(sorted);
}

/**
 * An element filter on `selector` (PostHog's: operator exact or is_not, value one selector or a
 * list): the chain matches any of the selectors, or none of them for is_not.
 */
export function selectorFilterSql(filter: { value?: unknown; operator?: string | null }, column: string, params: SqlParams, field: string): string {
  const operator = filter.operator ?? 'exact';
  if (operator !== 'exact' && operator !== 'is_not') throw new BadRequestError('invalid_input', `${field}: element filters on "selector" take the operator exact or is_not.`, `${field}.operator`);
  const values = (Array.isArray(filter.value) ? filter.value : [filter.value]).filter((v) => v !== null && v !== undefined && String(v).trim() !== '');
  if (values.length === 0) throw new BadRequestError('invalid_input', `${field}.value must be a CSS selector.`, `${field}.value`);
  const any = values.map((v, i) => selectorSql(String(v), column, params, `${field}.value${values.length > 1 ? `[${i}]` : ''}`)).join(' OR ');
  return operator === 'is_not' ? `NOT (${any})` : any;
}
