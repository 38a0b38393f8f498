/**
 * A small CSS selector parser for the selectors of actions and element filters (what PostHog's
 * toolbar writes: `div.nav > a.link[data-attr="buy"]:nth-child(2)`). Supported: tag names, `*`,
 * `.class`, `#id`, attribute tests (`[k]`, `[k=v]`, `[k^=v]`, `[k$=v]`, `[k*=v]`, quoted or not),
 * `:nth-child(n)`, `:nth-of-type(n)`, `:first-child`, `:first-of-type`, and the descendant
 * (space) and child (`>`) combinators. Anything else (sibling combinators, selector lists, other
 * pseudo-classes) is a 400: an elements_chain keeps no siblings, and a selector we silently
 * half-understood would count the wrong events. Backslash escapes (`w-1\/2`, `hover\:x`) work.
 */
import { BadRequestError } from '../../http/errors';
import { lookup } from '../../lookup';

export type AttributeOperator = '=' | '^=' | '$=' | '*=' | 'exists';

/** One attribute test, keyed as the elements_chain writes it (`attr_id`, `href`, `attr__data-x`). */
export interface AttributeTest {
  readonly key: string;
  readonly operator: AttributeOperator;
  readonly value: string;
}

/** One compound selector (`a.link#x[k=v]`): everything one element must match. */
export interface CompoundSelector {
  /** Lower-case tag name; null for `*` or none. */
  readonly tag: string | null;
  readonly classes: readonly string[];
  readonly attributes: readonly AttributeTest[];
}

export type Combinator = 'descendant' | 'child';

/** `combinators[i]` joins `compounds[i]` (the ancestor side) and `compounds[i + 1]`. */
export interface ParsedSelector {
  readonly compounds: readonly CompoundSelector[];
  readonly combinators: readonly Combinator[];
}

/** Keys the chain writes as they are; any other HTML attribute is written `attr__<name>`. */
const CHAIN_KEYS: Record<string, string> = { id: 'attr_id', href: 'href', text: 'text' };
const POSITIONAL: Record<string, [string, string | null]> = {
  'nth-child': ['nth-child', null],
  'nth-of-type': ['nth-of-type', null],
  'first-child': ['nth-child', '1'],
  'first-of-type': ['nth-of-type', '1'],
};
/** Characters that end an identifier (unless escaped). */
const DELIMITERS = new Set([' ', '\t', '\n', '\r', '\f', '.', '#', '[', ']', ':', '>', '+', '~', ',', '(', ')', '"', "'", '=', '*', '^', '$', '|']);

export function parseSelector(text: string, field: string): ParsedSelector {
  return new Parser(text, field).parse();
}

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly field: string,
  ) {}

  parse(): ParsedSelector {
    const compounds: CompoundSelector[] = [];
    const combinators: Combinator[] = [];
    this.skipSpace();
    if (this.i >= this.text.length) throw this.error('is empty');
    for (;;) {
      compounds.push(this.compound());
      const spaced = this.skipSpace();
      if (this.i >= this.text.length) break;
      const c = this.text[this.i];
      if (c === '>') {
        this.i++;
        this.skipSpace();
        combinators.push('child');
      } else if (c === '+' || c === '~' || c === ',') {
        throw this.error(c === ',' ? 'is a selector list (one selector per step or filter)' : `uses the sibling combinator "${c}" (an elements chain keeps no siblings)`);
      } else if (spaced) combinators.push('descendant');
      else throw this.error(`has an unexpected "${c}"`);
    }
    return { compounds, combinators };
  }

  private compound(): CompoundSelector {
    let tag: string | null = null;
    const classes: string[] = [];
    const attributes: AttributeTest[] = [];
    const start = this.i;
    if (this.text[this.i] === '*') this.i++;
    else if (!DELIMITERS.has(this.text[this.i])) tag = this.identifier().toLowerCase();
    for (;;) {
      const c = this.text[this.i];
      if (c === '.') {
        this.i++;
        classes.push(this.identifier());
      } else if (c === '#') {
        this.i++;
        attributes.push({ key: 'attr_id', operator: '=', value: this.identifier() });
      } else if (c === '[') attributes.push(this.attribute());
      else if (c === ':') attributes.push(this.pseudoClass());
      else break;
    }
    if (this.i === start) throw this.error(this.i < this.text.length ? `has an unexpected "${this.text[this.i]}"` : 'ends with a combinator');
    return { tag, classes, attributes };
  }

  /** `[key]`, `[key=value]`, `[key^="value"]` … */
  private attribute(): AttributeTest {
    this.i++;
    this.skipSpace();
    const name = this.identifier();
    const key = lookup(CHAIN_KEYS, name) ?? `attr__${name}`;
    this.skipSpace();
    if (this.eat(']')) return { key, operator: 'exists', value: '' };
    const operator = (['=', '^=', '$=', '*='] as const).find((op) => this.text.startsWith(op, this.i));
    if (!operator) throw this.error(`has an unsupported attribute operator in [${name}…]`);
    this.i += operator.length;
    this.skipSpace();
    const quote = this.text[this.i];
    const value = quote === '"' || quote === "'" ? this.quoted(quote) : this.identifier();
    this.skipSpace();
    if (!this.eat(']')) throw this.error(`has an unclosed attribute test [${name}…]`);
    return { key, operator, value };
  }

  private pseudoClass(): AttributeTest {
    this.i++;
    const name = this.identifier().toLowerCase();
    const positional = lookup(POSITIONAL, name);
    if (!positional) throw this.error(`uses the pseudo-class ":${name}" (only :nth-child, :nth-of-type, :first-child and :first-of-type are supported)`);
    const [key, fixed] = positional;
    if (fixed !== null) return { key, operator: '=', value: fixed };
    const match = /^\(\s*(\d+)\s*\)/.exec(this.text.slice(this.i));
    if (!match) throw this.error(`:${name} needs a number, like :${name}(2)`);
    this.i += match[0].length;
    return { key, operator: '=', value: String(Number(match[1])) };
  }

  private identifier(): string {
    let out = '';
    while (this.i < this.text.length && !DELIMITERS.has(this.text[this.i])) {
      if (this.text[this.i] === '\\') out += this.escape();
      else out += this.text[this.i++];
    }
    if (out === '') throw this.error(this.i < this.text.length ? `has an unexpected "${this.text[this.i]}"` : 'ends too early');
    return out;
  }

  /** A CSS escape: `\:` is ":"; `\31 ` is "1" (a hex code point and one optional space, as CSS.escape writes an id starting with a digit). */
  private escape(): string {
    const hex = /^[0-9a-fA-F]{1,6}\s?/.exec(this.text.slice(this.i + 1, this.i + 8));
    if (hex) {
      this.i += 1 + hex[0].length;
      const code = parseInt(hex[0].trim(), 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    }
    if (this.i + 1 >= this.text.length) throw this.error('ends with a lone backslash');
    this.i += 2;
    return this.text[this.i - 1];
  }

  private quoted(quote: string): string {
    let out = '';
    this.i++;
    while (this.i < this.text.length && this.text[this.i] !== quote) {
      if (this.text[this.i] === '\\' && this.i + 1 < this.text.length) this.i++;
      out += this.text[this.i++];
    }
    if (!this.eat(quote)) throw this.error('has an unclosed quote');
    return out;
  }

  private skipSpace(): boolean {
    const start = this.i;
    while (this.i < this.text.length && /\s/.test(this.text[this.i])) this.i++;
    return this.i > start;
  }

  private eat(c: string): boolean {
    if (this.text[this.i] !== c) return false;
    this.i++;
    return true;
  }

  private error(what: string): BadRequestError {
    return new BadRequestError('invalid_input', `${this.field}: the CSS selector "${this.text}" ${what}.`, this.field);
  }
}
