import { matchProperty } from '../../../lib/flags/evaluation/match-property';
import { parseRelativeDate } from '../../../lib/flags/evaluation/dates';
import { parseSemver } from '../../../lib/flags/evaluation/semver';
import type { PropertyFilter } from '../../../lib/flags/types';
import { NOW } from './fixtures';

const m = (operator: string | undefined, value: unknown, props: Record<string, unknown>, key = 'k') =>
  matchProperty({ key, value, operator, type: 'person' } as PropertyFilter, props, NOW);
const has = (v: unknown) => ({ k: v });

describe('exact / is_not', () => {
  it.each([
    ['value', 'value', true], ['value', 'VALUE', true], ['Value', 'vaLUE', true], ['value', 'value2', false], ['value', '', false],
    ['5', 5, true], [5, '5', true], [1.5, '1.5', true], [['US', 'CA'], 'us', true], [['US', 'CA'], 'de', false],
    [['pro', 'enterprise'], 'PRO', true], [{ a: 1, b: 2 }, { b: 2, a: 1 }, true], [['a'], ['a'], false],
  ])('exact %j vs %j → %s', (filter, actual, expected) => expect(m('exact', filter, has(actual))).toBe(expected));

  it.each([
    [true, true, true], [true, 'TRUE', true], [true, 'true', true], ['true', true, true], ['True', 'tRuE', true], [true, 'yes', false],
    [true, 1, false], [false, 0, true], [false, false, true], [false, 'false', true], [false, null, true], [true, null, false],
    [['true'], true, true], [['false', 'true'], true, false], [[], true, true], [[], 'us', false], [[], false, false],
  ])('boolean-like exact %j vs %j → %s (truthiness)', (filter, actual, expected) => expect(m('exact', filter, has(actual))).toBe(expected));

  it('missing operator means exact', () => expect(m(undefined, 'a', has('A'))).toBe(true));
  it('null value is "null" for exact', () => expect(m('exact', 'null', has(null))).toBe(true));
  it('is_not negates exact, including null and empty', () => {
    expect(m('is_not', 'value', has('value2'))).toBe(true);
    expect(m('is_not', 'value', has(''))).toBe(true);
    expect(m('is_not', 'value', has(null))).toBe(true);
    expect(m('is_not', ['v1', 'v2'], has('V1'))).toBe(false);
  });
  it('absent key: exact false, is_not true', () => {
    expect(m('exact', 'x', {})).toBe(false);
    expect(m('is_not', 'x', {})).toBe(true);
  });
  it('a null filter value never matches a value operator', () => {
    expect(m('exact', null, has(null))).toBe(false);
    expect(m('is_not', null, has('x'))).toBe(false);
  });
});

describe('string operators', () => {
  it.each([
    ['icontains', '@example.com', 'A@EXAMPLE.com', true], ['icontains', 'valUe', 'vaLue4', true], ['icontains', '3', 323, true],
    ['icontains', 'null', null, true], ['icontains', 'x', 'abc', false], ['not_icontains', 'x', 'abc', true], ['not_icontains', 'ABC', 'xabcx', false],
    ['starts_with', 'Val', 'value', true], ['starts_with', 'al', 'value', false], ['not_starts_with', 'al', 'value', true],
    ['ends_with', 'COM', 'a@b.com', true], ['not_ends_with', 'com', 'a@b.com', false],
    ['icontains', 'É', 'é', false], // ASCII-only case folding, as the service
    ['icontains_multi', ['foo', 'BAR'], 'xbarx', true], ['not_icontains_multi', ['foo', 'bar'], 'baz', true],
  ])('%s %j on %j → %s', (op, filter, actual, expected) => expect(m(op, filter, has(actual))).toBe(expected));

  it('absent key: positive string operators false, negative ones true', () => {
    for (const op of ['icontains', 'starts_with', 'ends_with', 'regex']) expect(m(op, 'a', {})).toBe(false);
    for (const op of ['not_icontains', 'not_starts_with', 'not_ends_with', 'not_regex']) expect(m(op, 'a', {})).toBe(true);
  });
});

describe('regex / not_regex', () => {
  it.each([
    ['regex', '^[a-z]+@posthog\\.com$', 'max@posthog.com', true], ['regex', '^[a-z]+@posthog\\.com$', 'Max@posthog.com', false],
    ['not_regex', '^[a-z]+@posthog\\.com$', 'Max@posthog.com', true], ['regex', '^nu', null, true], ['regex', '^4\\d$', 42, true],
  ])('%s %j on %j → %s', (op, pattern, actual, expected) => expect(m(op, pattern, has(actual))).toBe(expected));

  it('an invalid pattern is false for both regex and not_regex', () => {
    for (const op of ['regex', 'not_regex']) for (const p of ['[a-', '(?<=x)y', '(a)\\1']) expect(m(op, p, has('abc'))).toBe(false);
  });
});

describe('gt / gte / lt / lte', () => {
  it.each([
    ['gte', '21', 30, true], ['gte', '21', '3', false], ['gte', '21', 'abc', true], ['gt', 5, 5, false], ['gte', 5, '5', true],
    ['lt', '10', 9.5, true], ['lte', 10, '1e1', true], ['gt', 'b', 'a', false], ['lt', 'b', 'a', true], ['gt', 1, null, false],
    ['gt', 1, true, true], // "true" > "1" lexicographically
  ])('%s %j on %j → %s', (op, filter, actual, expected) => expect(m(op, filter, has(actual))).toBe(expected));
  it('absent key is false', () => expect(m('gt', 1, {})).toBe(false));
});

describe('is_set / is_not_set', () => {
  it('is_set is key presence, null included', () => {
    expect(m('is_set', 'is_set', has(null))).toBe(true);
    expect(m('is_set', 'is_set', has(''))).toBe(true);
    expect(m('is_set', 'is_set', {})).toBe(false);
  });
  it('is_not_set is key absence', () => {
    expect(m('is_not_set', 'is_not_set', {})).toBe(true);
    expect(m('is_not_set', 'is_not_set', has(null))).toBe(false);
  });
  it('works without a filter value', () => expect(m('is_set', undefined, has(1))).toBe(true));
});

describe('dates', () => {
  it.each([
    ['is_date_after', '2024-01-01', '2024-06-01T00:00:00Z', true], ['is_date_after', '2024-01-01', '2023-12-31', false],
    ['is_date_before', '2024-01-01', '2023-12-31T23:59:59Z', true], ['is_date_before', '2024-01-01T00:00:00+02:00', '2023-12-31T23:00:00Z', false],
    ['is_date_after', '-7d', '2025-06-14T00:00:00Z', true], ['is_date_after', '-7d', '2025-06-01', false],
    ['is_date_before', '-1m', '2025-05-14', true], ['is_date_before', '-1y', '2024-06-16', false],
    ['is_date_after', '2024-01-01', 1_717_200_000, true], // epoch seconds
    ['is_date_after', '2024-01-01', '1717200000', true],
    ['is_date_after', '2024-01-01', 'not a date', false], ['is_date_after', 'garbage', '2024-01-01', false],
    ['is_date_after', '2024-01-01', null, false], ['is_date_before', '2024-01-01', true, false],
    ['is_date_exact', '2024-01-01', '2024-01-01T00:00:00Z', true],
  ])('%s %j on %j → %s', (op, filter, actual, expected) => expect(m(op, filter, has(actual))).toBe(expected));

  it('relative dates step months with day clamping and ignore the sign', () => {
    const march31 = new Date('2025-03-31T10:00:00Z');
    expect(parseRelativeDate('-1m', march31)!.toISOString()).toBe('2025-02-28T10:00:00.000Z');
    expect(parseRelativeDate('2m', march31)!.toISOString()).toBe('2025-01-28T10:00:00.000Z'); // clamp sticks
    expect(parseRelativeDate('-1y', new Date('2024-02-29T00:00:00Z'))!.toISOString()).toBe('2023-02-28T00:00:00.000Z');
    expect(parseRelativeDate('-4y', new Date('2024-02-29T00:00:00Z'))!.toISOString()).toBe('2020-02-28T00:00:00.000Z');
    expect(parseRelativeDate('-3h', NOW)!.toISOString()).toBe('2025-06-15T09:00:00.000Z');
    expect(parseRelativeDate('-2w', NOW)!.toISOString()).toBe('2025-06-01T12:00:00.000Z');
    expect(parseRelativeDate('-10000d', NOW)).toBeUndefined();
    expect(parseRelativeDate('-3x', NOW)).toBeUndefined();
  });
});

describe('semver', () => {
  it('parses leniently on shape and strictly on digits', () => {
    expect(parseSemver(' v1.2.3-beta+7 ')).toEqual([1, 2, 3]);
    expect(parseSemver('2')).toEqual([2, 0, 0]);
    expect(parseSemver('1.10')).toEqual([1, 10, 0]);
    for (const bad of ['01.2.3', '1.x.3', 'abc', '', '1.2.3.4', '.1']) expect(parseSemver(bad)).toBeUndefined();
  });
  it.each([
    ['semver_gte', '1.2.0', '1.10.0', true], ['semver_gte', '1.2.0', 'v1.1.9', false], ['semver_eq', '1.2', '1.2.0', true],
    ['semver_neq', '1.2.3', '1.2.4', true], ['semver_gt', '1.2.3', '1.2.3-alpha', false], ['semver_lt', '2.0.0', '1.99.99', true],
    ['semver_lte', '2.0.0', '2.0.0', true], ['semver_gt', '1.0.0', 'garbage', false], ['semver_gt', 'garbage', '1.0.0', false],
    ['semver_tilde', '1.2.3', '1.2.9', true], ['semver_tilde', '1.2.3', '1.3.0', false], ['semver_tilde', '1.2.3', '1.2.2', false],
    ['semver_caret', '1.2.3', '1.9.0', true], ['semver_caret', '1.2.3', '2.0.0', false], ['semver_caret', '0.2.3', '0.2.9', true],
    ['semver_caret', '0.2.3', '0.3.0', false], ['semver_caret', '0.0.3', '0.0.3', true], ['semver_caret', '0.0.3', '0.0.4', false],
    ['semver_wildcard', '1.*', '1.99.0', true], ['semver_wildcard', '1.*', '2.0.0', false], ['semver_wildcard', '1.2.*', '1.2.7', true],
    ['semver_wildcard', '1.2.*', '1.3.0', false], ['semver_wildcard', '1.*.*', '1.5.5', true], ['semver_wildcard', '*', '9.9.9', true],
    ['semver_eq', '1.0.0', null, false],
  ])('%s %j on %j → %s', (op, filter, actual, expected) => expect(m(op, filter, has(actual))).toBe(expected));
});

describe('between and unknown operators', () => {
  it('between is inclusive; not_between its complement; malformed bounds are false', () => {
    expect(m('between', [1, 5], has(5))).toBe(true);
    expect(m('not_between', [1, 5], has(6))).toBe(true);
    expect(m('between', [5, 1], has(3))).toBe(false);
    expect(m('between', [1], has(1))).toBe(false);
  });
  it('an unknown operator is inconclusive (undefined)', () => {
    expect(m('is_cool', 'x', has('x'))).toBeUndefined();
    expect(m('in', 3, has(3))).toBeUndefined();
  });
});

describe('observed local-evaluation cases (contract §3.6)', () => {
  const dateAndVersion = (signup: string, version: string) =>
    m('is_date_after', '2024-01-01', { signup, app_version: version }, 'signup') === true && m('semver_gte', '1.2.0', { app_version: version }, 'app_version') === true;
  it('date ∧ semver', () => {
    expect(dateAndVersion('2024-06-01T00:00:00Z', '1.10.0')).toBe(true);
    expect(dateAndVersion('2023-12-31', '1.2.0')).toBe(false);
    expect(dateAndVersion('2024-02-01', 'v1.1.9')).toBe(false);
  });
  const regexAndAge = (email: string, age: unknown) =>
    m('regex', '^[a-z]+@posthog\\.com$', { email }, 'email') === true && m('gte', '21', { age }, 'age') === true;
  it('regex ∧ age', () => {
    expect(regexAndAge('max@posthog.com', 30)).toBe(true);
    expect(regexAndAge('Max@posthog.com', 30)).toBe(false);
    expect(regexAndAge('max@posthog.com', '3')).toBe(false);
    expect(regexAndAge('max@posthog.com', 'abc')).toBe(true);
  });
});
