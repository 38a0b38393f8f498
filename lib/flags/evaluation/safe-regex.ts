import { isWordAscii, isWordUnicode, parseRegex, type AssertKind, type CharTest, type RegexNode } from './regex-syntax';

/**
 * Regex search for `regex`/`not_regex` filters without catastrophic backtracking: patterns are
 * compiled to a Thompson NFA and run as a breadth-first simulation, so a match costs
 * O(pattern × value) whatever the pattern (no timeouts needed). The flags service uses Rust
 * `regex` semantics (unanchored search, Unicode-aware classes, `.` excludes only `\n`), which this
 * follows; what a linear engine cannot do (backreferences, look-around) counts as an invalid pattern.
 */

/** Longest pattern we compile; longer ones are treated as invalid (no match for either operator). */
export const MAX_PATTERN_LENGTH = 4_096;
/** Largest compiled program (counted repetition expands); larger ones are treated as invalid. */
export const MAX_PROGRAM_SIZE = 20_000;

const enum Op { Char, Split, Jmp, Assert, Match }

interface Program {
  readonly op: Uint8Array;
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly tests: readonly (CharTest | undefined)[];
  readonly asserts: readonly (AssertKind | undefined)[];
}

class TooLarge extends Error {}

function compile(root: RegexNode): Program {
  const op: Op[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const tests: (CharTest | undefined)[] = [];
  const asserts: (AssertKind | undefined)[] = [];
  const emit = (o: Op, a = 0, b = 0, test?: CharTest, kind?: AssertKind): number => {
    if (op.length >= MAX_PROGRAM_SIZE) throw new TooLarge();
    op.push(o); x.push(a); y.push(b); tests.push(test); asserts.push(kind);
    return op.length - 1;
  };
  const gen = (node: RegexNode): void => {
    switch (node.t) {
      case 'empty': return;
      case 'char': emit(Op.Char, 0, 0, node.test); return;
      case 'assert': emit(Op.Assert, 0, 0, undefined, node.kind); return;
      case 'cat': for (const item of node.items) gen(item); return;
      case 'alt': {
        const jumps: number[] = [];
        node.items.forEach((item, k) => {
          if (k < node.items.length - 1) {
            const split = emit(Op.Split);
            x[split] = op.length;
            gen(item);
            jumps.push(emit(Op.Jmp));
            y[split] = op.length;
          } else gen(item);
        });
        for (const j of jumps) x[j] = op.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < node.min; k++) gen(node.node);
        if (node.max === Infinity) {
          const split = emit(Op.Split);
          x[split] = op.length;
          gen(node.node);
          emit(Op.Jmp, split);
          y[split] = op.length;
          return;
        }
        const splits: number[] = [];
        for (let k = node.min; k < node.max; k++) {
          const split = emit(Op.Split);
          x[split] = op.length;
          splits.push(split);
          gen(node.node);
        }
        for (const s of splits) y[s] = op.length;
        return;
      }
    }
  };
  gen(root);
  emit(Op.Match);
  return { op: Uint8Array.from(op), x: Int32Array.from(x), y: Int32Array.from(y), tests, asserts };
}

function assertHolds(kind: AssertKind, prev: number, next: number): boolean {
  switch (kind) {
    case 'bot': return prev < 0;
    case 'eot': return next < 0;
    case 'bol': return prev < 0 || prev === 10;
    case 'eol': return next < 0 || next === 10;
    case 'wb': return (prev >= 0 && isWordUnicode(prev)) !== (next >= 0 && isWordUnicode(next));
    case 'nwb': return (prev >= 0 && isWordUnicode(prev)) === (next >= 0 && isWordUnicode(next));
    case 'awb': return (prev >= 0 && isWordAscii(prev)) !== (next >= 0 && isWordAscii(next));
    case 'anwb': return (prev >= 0 && isWordAscii(prev)) === (next >= 0 && isWordAscii(next));
  }
}

/** Breadth-first NFA simulation: is there a match anywhere in `text`? */
function search(prog: Program, text: string): boolean {
  const cps = Array.from(text, (c) => c.codePointAt(0)!);
  const n = prog.op.length;
  const mark = new Int32Array(n).fill(-1);
  let current: number[] = [];
  let next: number[] = [];
  const stack: number[] = [];
  let generation = 0;

  // Adds the epsilon closure of `pc` at position `pos` to `list`; returns true on reaching Match.
  const add = (list: number[], start: number, prev: number, nextCp: number): boolean => {
    stack.push(start);
    while (stack.length) {
      const pc = stack.pop()!;
      if (mark[pc] === generation) continue;
      mark[pc] = generation;
      switch (prog.op[pc]) {
        case Op.Match: stack.length = 0; return true;
        case Op.Jmp: stack.push(prog.x[pc]!); break;
        case Op.Split: stack.push(prog.y[pc]!, prog.x[pc]!); break;
        case Op.Assert: if (assertHolds(prog.asserts[pc]!, prev, nextCp)) stack.push(pc + 1); break;
        default: list.push(pc);
      }
    }
    return false;
  };

  for (let pos = 0; ; pos++) {
    const prev = pos > 0 ? cps[pos - 1]! : -1;
    const cp = pos < cps.length ? cps[pos]! : -1;
    if (add(current, 0, prev, cp)) return true;
    if (pos >= cps.length) return false;
    generation++;
    const after = pos + 1 < cps.length ? cps[pos + 1]! : -1;
    for (const pc of current) {
      if (prog.tests[pc]!(cp) && add(next, pc + 1, cp, after)) return true;
    }
    [current, next] = [next, current];
    next.length = 0;
    if (current.length === 0 && prog.op[0] === Op.Assert && prog.asserts[0] === 'bot') return false;
  }
}

const cache = new Map<string, Program | null>();
const CACHE_LIMIT = 1_000;

function programFor(pattern: string): Program | null {
  let prog = cache.get(pattern);
  if (prog !== undefined) return prog;
  try {
    prog = pattern.length > MAX_PATTERN_LENGTH ? null : compile(parseRegex(pattern));
  } catch {
    prog = null; // syntax error, unsupported construct or too large: an invalid pattern
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, prog);
  return prog;
}

/** Whether `pattern` compiles (Rust syntax subset, within the size limits). */
export function isValidRegex(pattern: string): boolean {
  return programFor(pattern) !== null;
}

/** Unanchored search of `pattern` in `text`; `undefined` when the pattern is invalid. */
export function regexSearch(pattern: string, text: string): boolean | undefined {
  const prog = programFor(pattern);
  return prog === null ? undefined : search(prog, text);
}
