/**
 * A parser for the part of Rust `regex` syntax that the flags service accepts, producing a tree
 * that `safe-regex.ts` compiles to a Thompson NFA. Everything a linear-time engine cannot do
 * (backreferences, look-around, atomic groups) or that we do not model (nested classes, class set
 * operations, CRLF mode) is refused with `RegexUnsupported`, which the matcher treats like an
 * invalid pattern: no match for both `regex` and `not_regex`.
 */
import { lookup } from '../../lookup';

export class RegexUnsupported extends Error {}

export type CharTest = (cp: number) => boolean;
export type AssertKind = 'bot' | 'eot' | 'bol' | 'eol' | 'wb' | 'nwb' | 'awb' | 'anwb';
export type RegexNode =
  | { readonly t: 'empty' }
  | { readonly t: 'char'; readonly test: CharTest }
  | { readonly t: 'cat'; readonly items: readonly RegexNode[] }
  | { readonly t: 'alt'; readonly items: readonly RegexNode[] }
  | { readonly t: 'rep'; readonly node: RegexNode; readonly min: number; readonly max: number }
  | { readonly t: 'assert'; readonly kind: AssertKind };

interface Flags { i: boolean; m: boolean; s: boolean; x: boolean; u: boolean }

const WORD_U = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;
const DIGIT_U = /\p{Nd}/u;
const SPACE_U = /\p{White_Space}/u;
const ch = (cp: number) => String.fromCodePoint(cp);
export const isWordAscii = (cp: number) => (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95;
export const isWordUnicode = (cp: number) => (cp < 128 ? isWordAscii(cp) : WORD_U.test(ch(cp)));
const isDigit = (u: boolean) => (cp: number) => (cp >= 48 && cp <= 57) || (u && cp > 127 && DIGIT_U.test(ch(cp)));
const isSpace = (u: boolean) => (cp: number) => (cp >= 9 && cp <= 13) || cp === 32 || (u && cp > 127 && SPACE_U.test(ch(cp)));
const isWord = (u: boolean) => (u ? isWordUnicode : isWordAscii);
const not = (f: CharTest): CharTest => (cp) => !f(cp);

const POSIX: Record<string, CharTest> = {
  alnum: (c) => isWordAscii(c) && c !== 95, alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  ascii: (c) => c <= 127, blank: (c) => c === 32 || c === 9, cntrl: (c) => c < 32 || c === 127,
  digit: (c) => c >= 48 && c <= 57, graph: (c) => c > 32 && c < 127, lower: (c) => c >= 97 && c <= 122,
  print: (c) => c >= 32 && c < 127, punct: (c) => (c > 32 && c < 48) || (c > 57 && c < 65) || (c > 90 && c < 97) || (c > 122 && c < 127),
  space: (c) => (c >= 9 && c <= 13) || c === 32, upper: (c) => c >= 65 && c <= 90, word: isWordAscii,
  xdigit: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

function foldVariants(cp: number): number[] {
  const s = ch(cp);
  const out = new Set([cp]);
  for (const v of [s.toLowerCase(), s.toUpperCase()]) if ([...v].length === 1) out.add(v.codePointAt(0)!);
  return [...out];
}

function unicodeProperty(name: string, negated: boolean): CharTest {
  const clean = name.trim();
  for (const candidate of [clean, `Script=${clean}`]) {
    let re: RegExp;
    try {
      re = new RegExp(`^\\p{${candidate}}$`, 'u');
    } catch {
      continue;
    }
    const f: CharTest = (cp) => re.test(ch(cp));
    return negated ? not(f) : f;
  }
  throw new RegexUnsupported(`unknown Unicode class ${name}`);
}

/** Parses `pattern`; throws `SyntaxError` for invalid patterns and `RegexUnsupported` for the rest. */
export function parseRegex(pattern: string): RegexNode {
  const cps = Array.from(pattern, (c) => c.codePointAt(0)!);
  let pos = 0;
  const peek = (o = 0) => cps[pos + o];
  const at = (c: string, o = 0) => cps[pos + o] === c.codePointAt(0);
  const fail = (msg: string): never => { throw new SyntaxError(`${msg} at ${pos}`); };

  function skipVerbose(flags: Flags): void {
    if (!flags.x) return;
    for (;;) {
      const c = peek();
      if (c !== undefined && SPACE_U.test(ch(c))) pos++;
      else if (at('#')) { while (pos < cps.length && !at('\n')) pos++; }
      else return;
    }
  }

  function readHex(min: number, max: number): number {
    let s = '';
    while (s.length < max && peek() !== undefined && /[0-9a-fA-F]/.test(ch(peek()!))) s += ch(cps[pos++]!);
    if (s.length < min) fail('bad hex escape');
    return parseInt(s, 16);
  }

  function hexEscape(kind: string): number {
    const width = kind === 'x' ? 2 : kind === 'u' ? 4 : 8;
    let cp: number;
    if (at('{')) {
      pos++;
      cp = readHex(1, 8);
      if (!at('}')) fail('unclosed hex escape');
      pos++;
    } else cp = readHex(width, width);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail('invalid code point');
    return cp;
  }

  /** After a backslash: a class test, a single code point, or an assertion. */
  function escape(flags: Flags, inClass: boolean): { test?: CharTest; cp?: number; assert?: AssertKind } {
    const c = peek();
    if (c === undefined) fail('trailing backslash');
    const e = ch(c!);
    pos++;
    switch (e) {
      case 'd': return { test: isDigit(flags.u) };
      case 'D': return { test: not(isDigit(flags.u)) };
      case 'w': return { test: isWord(flags.u) };
      case 'W': return { test: not(isWord(flags.u)) };
      case 's': return { test: isSpace(flags.u) };
      case 'S': return { test: not(isSpace(flags.u)) };
      case 'n': return { cp: 10 };
      case 't': return { cp: 9 };
      case 'r': return { cp: 13 };
      case 'f': return { cp: 12 };
      case 'v': return { cp: 11 };
      case 'a': return { cp: 7 };
      case 'x': case 'u': case 'U': return { cp: hexEscape(e) };
      case 'p': case 'P': {
        let name: string;
        if (at('{')) {
          const end = cps.indexOf(125, pos);
          if (end < 0) fail('unclosed \\p{');
          name = String.fromCodePoint(...cps.slice(pos + 1, end));
          pos = end + 1;
        } else {
          if (peek() === undefined) fail('bad \\p');
          name = ch(cps[pos++]!);
        }
        const negated = e === 'P' !== name.startsWith('^');
        return { test: unicodeProperty(name.replace(/^\^/, ''), negated) };
      }
    }
    if (!inClass) {
      if (e === 'A') return { assert: 'bot' };
      if (e === 'z') return { assert: 'eot' };
      if (e === 'b') {
        if (at('{')) throw new RegexUnsupported('\\b{...}');
        return { assert: flags.u ? 'wb' : 'awb' };
      }
      if (e === 'B') return { assert: flags.u ? 'nwb' : 'anwb' };
    }
    if (/[1-9]/.test(e)) throw new RegexUnsupported('backreference');
    if (c! < 128 && !/[0-9A-Za-z<>]/.test(e) && !/\s/.test(e)) return { cp: c! };
    return fail(`unknown escape \\${e}`);
  }

  function literal(cp: number, flags: Flags): RegexNode {
    if (!flags.i) return { t: 'char', test: (c) => c === cp };
    const variants = foldVariants(cp);
    return { t: 'char', test: (c) => variants.includes(c) || foldVariants(c).some((v) => variants.includes(v)) };
  }

  function parseClass(flags: Flags): RegexNode {
    // pos is just after '['
    const negated = at('^');
    if (negated) pos++;
    const ranges: number[] = [];
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = peek();
      if (c === undefined) fail('unclosed class');
      if (at(']') && !first) { pos++; break; }
      first = false;
      if (at('[') && at(':', 1)) {
        const end = cps.indexOf(93, pos + 2);
        const body = end > 0 ? String.fromCodePoint(...cps.slice(pos + 2, end)) : '';
        const m = /^(\^?)([a-z]+):$/.exec(body);
        const t = (m && lookup(POSIX, m[2]!)) || fail('bad POSIX class');
        tests.push(m![1] ? not(t) : t);
        pos = end + 1;
        continue;
      }
      if (at('[')) throw new RegexUnsupported('nested class');
      if ((at('&') && at('&', 1)) || (at('-') && at('-', 1)) || (at('~') && at('~', 1))) throw new RegexUnsupported('class set operation');
      let lo: number;
      if (at('\\')) {
        pos++;
        const e = escape(flags, true);
        if (e.test) { tests.push(e.test); continue; }
        lo = e.cp!;
      } else lo = cps[pos++]!;
      if (at('-') && peek(1) !== undefined && !at(']', 1)) {
        pos++;
        let hi: number;
        if (at('\\')) {
          pos++;
          const e = escape(flags, true);
          if (e.cp === undefined) fail('bad class range');
          hi = e.cp!;
        } else hi = cps[pos++]!;
        if (hi < lo) fail('invalid class range');
        ranges.push(lo, hi);
      } else ranges.push(lo, lo);
    }
    const inRanges = (cp: number) => {
      for (let k = 0; k < ranges.length; k += 2) if (cp >= ranges[k]! && cp <= ranges[k + 1]!) return true;
      return tests.some((t) => t(cp));
    };
    const member: CharTest = flags.i ? (cp) => foldVariants(cp).some(inRanges) : inRanges;
    return { t: 'char', test: negated ? not(member) : member };
  }

  function parseGroupOpen(flags: Flags): { flags: Flags; node?: RegexNode } {
    // pos is just after '('; returns the group's flags, or a finished node for `(?flags)`
    if (!at('?')) return { flags: { ...flags } };
    pos++;
    if (at(':')) { pos++; return { flags: { ...flags } }; }
    if (at('P') && at('<', 1)) pos++;
    if (at('<') && !at('=', 1) && !at('!', 1)) {
      const end = cps.indexOf(62, pos);
      const name = end > 0 ? String.fromCodePoint(...cps.slice(pos + 1, end)) : '';
      if (!/^[A-Za-z_][A-Za-z0-9_.[\]]*$/.test(name)) fail('bad group name');
      pos = end + 1;
      return { flags: { ...flags } };
    }
    if (at('=') || at('!') || at('<') || at('>')) throw new RegexUnsupported('look-around or atomic group');
    const next: Flags = { ...flags };
    let on = true;
    let any = false;
    for (;;) {
      const c = peek();
      if (c === undefined) fail('unclosed flag group');
      const f = ch(c!);
      pos++;
      if (f === ')' || f === ':') {
        if (!any && f === ')') fail('empty flag group');
        return f === ')' ? { flags: next, node: { t: 'empty' } } : { flags: next };
      }
      if (f === '-') { if (!on) fail('double negation'); on = false; continue; }
      if (f === 'i' || f === 'm' || f === 's' || f === 'x' || f === 'u') next[f] = on;
      else if (f === 'U') { /* swap greed: irrelevant to whether a match exists */ }
      else if (f === 'R') throw new RegexUnsupported('CRLF mode');
      else fail(`unknown flag ${f}`);
      any = true;
    }
  }

  function parseRepeat(node: RegexNode, flags: Flags): RegexNode {
    for (;;) {
      skipVerbose(flags);
      let min: number;
      let max: number;
      if (at('*')) { min = 0; max = Infinity; pos++; }
      else if (at('+')) { min = 1; max = Infinity; pos++; }
      else if (at('?')) { min = 0; max = 1; pos++; }
      else if (at('{')) {
        const end = cps.indexOf(125, pos);
        const m = end > 0 ? /^\{\s*(\d+)\s*(?:(,)\s*(\d*)\s*)?\}$/.exec(String.fromCodePoint(...cps.slice(pos, end + 1))) : null;
        if (!m) fail('bad counted repetition');
        min = Number(m![1]);
        max = m![2] ? (m![3] ? Number(m![3]) : Infinity) : min;
        if (max < min) fail('invalid repetition range');
        if (min > 1000 || (max !== Infinity && max > 1000)) throw new RegexUnsupported('repetition too large');
        pos = end + 1;
      } else return node;
      if (at('?')) pos++; // laziness does not change whether a match exists
      node = { t: 'rep', node, min, max };
    }
  }

  function parseAlternation(outer: Flags, depth: number): RegexNode {
    if (depth > 100) throw new RegexUnsupported('nesting too deep');
    const flags = { ...outer };
    const branches: RegexNode[] = [];
    let items: RegexNode[] = [];
    for (;;) {
      skipVerbose(flags);
      const c = peek();
      if (c === undefined || at(')')) break;
      if (at('|')) { pos++; branches.push(cat(items)); items = []; continue; }
      let atom: RegexNode;
      if (at('(')) {
        pos++;
        const open = parseGroupOpen(flags);
        if (open.node) { Object.assign(flags, open.flags); continue; }
        atom = parseAlternation(open.flags, depth + 1);
        if (!at(')')) fail('unclosed group');
        pos++;
      } else if (at('[')) { pos++; atom = parseClass(flags); }
      else if (at('.')) { pos++; atom = { t: 'char', test: flags.s ? () => true : (cp) => cp !== 10 }; }
      else if (at('^')) { pos++; atom = { t: 'assert', kind: flags.m ? 'bol' : 'bot' }; }
      else if (at('$')) { pos++; atom = { t: 'assert', kind: flags.m ? 'eol' : 'eot' }; }
      else if (at('\\')) {
        pos++;
        const e = escape(flags, false);
        atom = e.assert ? { t: 'assert', kind: e.assert } : e.test ? { t: 'char', test: e.test } : literal(e.cp!, flags);
      } else if (at('*') || at('+') || at('?') || at('{')) return fail('repetition operator missing expression');
      else { pos++; atom = literal(c!, flags); }
      items.push(parseRepeat(atom, flags));
    }
    branches.push(cat(items));
    return branches.length === 1 ? branches[0]! : { t: 'alt', items: branches };
  }

  const cat = (items: RegexNode[]): RegexNode => (items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', items });
  const root = parseAlternation({ i: false, m: false, s: false, x: false, u: true }, 0);
  if (pos < cps.length) fail('unopened group');
  return root;
}
