import fc from 'fast-check';
import { isValidRegex, MAX_PATTERN_LENGTH, regexSearch } from '../../../lib/flags/evaluation/safe-regex';

describe('safe regex (Rust regex semantics, linear time)', () => {
  it.each([
    ['^[a-z]+@posthog\\.com$', 'max@posthog.com', true],
    ['^[a-z]+@posthog\\.com$', 'Max@posthog.com', false],
    ['posthog', 'hello posthog!', true], // unanchored search
    ['^$', '', true],
    ['', 'anything', true],
    ['a|b|c', 'xxcxx', true],
    ['(ab)+c', 'ababc', true],
    ['(ab)+c', 'ac', false],
    ['a{2,3}b', 'aab', true],
    ['a{2,3}b', 'ab', false],
    ['a{2}', 'aa', true],
    ['a{2,}', 'aaaa', true],
    ['\\d+', 'abc٣', true], // Unicode digit (Arabic-Indic three)
    ['^\\w+$', 'héllo', true], // Unicode word characters
    ['\\bcat\\b', 'a cat here', true],
    ['\\bcat\\b', 'concatenate', false],
    ['(?i)hello', 'HeLLo', true],
    ['(?i:ab)c', 'ABc', true],
    ['(?i:ab)c', 'ABC', false],
    ['^a.c$', 'a\nc', false], // `.` excludes only \n
    ['^a.c$', 'a\rc', true],
    ['(?s)^a.c$', 'a\nc', true],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['[[:digit:]]+x', '12x', true],
    ['[^a-c]', 'abc', false],
    ['[^a-c]', 'abcd', true],
    ['[]a]', ']', true],
    ['\\x41\\u{42}', 'AB', true],
    ['\\p{Greek}', 'αβγ', true],
    ['\\pL', '1', false],
    ['(?P<name>x)y', 'xy', true],
    ['(?<name>x)y', 'xy', true],
    ['a\\.b', 'a.b', true],
    ['a\\.b', 'axb', false],
    ['x*', '', true],
    ['(a*)*b', 'aaab', true],
    ['(?x) a b c # comment', 'abc', true],
  ])('/%s/ on %j → %s', (pattern, text, expected) => {
    expect(regexSearch(pattern, text)).toBe(expected);
  });

  it.each([
    ['[a-'], ['(abc'], ['abc)'], ['*a'], ['a{2,1}'], ['\\q'], ['[z-a]'], ['(?<=a)b'], ['(?=a)'], ['(?!a)'], ['(a)\\1'], ['[a[b]]'], ['[a&&b]'], ['(?R)'], ['[[:constructor:]]'],
  ])('/%s/ is invalid or unsupported → undefined', (pattern) => {
    expect(isValidRegex(pattern)).toBe(false);
    expect(regexSearch(pattern, 'aaa')).toBeUndefined();
  });

  it('rejects patterns longer than the cap', () => {
    expect(regexSearch('a'.repeat(MAX_PATTERN_LENGTH + 1), 'a')).toBeUndefined();
  });

  it.each([
    ['(a+)+$'], ['(a|aa)*c'], ['(a*)*b'], ['^(\\w+\\s?)*$'], ['(x+x+)+y'], ['(.*a){12}'],
  ])('catastrophic-for-backtracking /%s/ runs in linear time', (pattern) => {
    const text = 'a'.repeat(20_000) + '!';
    const started = performance.now();
    regexSearch(pattern, text);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  // On ASCII text, for this syntax subset, Rust regex and JS RegExp (with the u flag) agree.
  const atom = fc.oneof(
    fc.constantFrom('a', 'b', 'c', '.', '\\d', '\\w', '\\s', '[a-c]', '[^b]', 'x', '\\.', '[0-9]'),
  );
  const regexArb: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
    re: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      fc.tuple(tie('re'), tie('re')).map(([a, b]) => a + b),
      fc.tuple(tie('re'), tie('re')).map(([a, b]) => `(?:${a}|${b})`),
      fc.tuple(tie('re'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '{0,}', '*?')).map(([a, q]) => `(?:${a})${q}`),
      fc.tuple(fc.constantFrom('^', ''), tie('re'), fc.constantFrom('$', '')).map(([s, a, e]) => s + a + e),
    ),
  })).re;
  it('agrees with JS RegExp on ASCII text (property)', () => {
    fc.assert(
      fc.property(regexArb, fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'x', '1', ' ', '.', '\n', 'Z') , maxLength: 12 }), (pattern, text) => {
        expect(regexSearch(pattern, text)).toBe(new RegExp(pattern, 'u').test(text));
      }),
      { numRuns: 2_000 },
    );
  });
});
