/**
 * Semantic versions for the `semver_*` operators (contract §3.6): trim, strip a leading `v`/`V`,
 * drop `-pre`/`+build`, missing minor/patch = 0; any other shape (non-digits, leading zeros,
 * empty or extra parts) is invalid and makes the filter not match.
 */
export type Semver = readonly [number, number, number];

function part(text: string): number | undefined {
  if (!/^\d+$/.test(text) || (text.length > 1 && text.startsWith('0'))) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function parseSemver(value: unknown): Semver | undefined {
  if (value === null || value === undefined || typeof value === 'object') return undefined;
  const text = String(value).trim().replace(/^[vV]/, '');
  const base = text.split(/[-+]/, 1)[0]!;
  const parts = base.split('.');
  if (!base || parts.length > 3) return undefined;
  const nums = parts.map(part);
  if (nums.some((n) => n === undefined)) return undefined;
  return [nums[0]!, nums[1] ?? 0, nums[2] ?? 0];
}

export function compareSemver(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

export interface SemverRange { readonly lower: Semver; readonly upper: Semver | null }

export function tildeRange(value: unknown): SemverRange | undefined {
  const v = parseSemver(value);
  return v && { lower: v, upper: [v[0], v[1] + 1, 0] };
}

export function caretRange(value: unknown): SemverRange | undefined {
  const v = parseSemver(value);
  if (!v) return undefined;
  const upper: Semver = v[0] > 0 ? [v[0] + 1, 0, 0] : v[1] > 0 ? [0, v[1] + 1, 0] : [0, 0, v[2] + 1];
  return { lower: v, upper };
}

/** `x.*`, `x.y.*`, `x.*.*`, `x`, `x.y`, or `*` (everything). */
export function wildcardRange(value: unknown): SemverRange | undefined {
  if (value === null || value === undefined || typeof value === 'object') return undefined;
  const text = String(value).trim().replace(/^[vV]/, '');
  if (text === '*') return { lower: [0, 0, 0], upper: null };
  const parts = text.split('.');
  while (parts.length > 1 && parts[parts.length - 1] === '*') parts.pop();
  if (parts.length > 2) return undefined;
  const nums = parts.map(part);
  if (nums.some((n) => n === undefined)) return undefined;
  const [major, minor] = nums as number[];
  return minor === undefined ? { lower: [major!, 0, 0], upper: [major! + 1, 0, 0] } : { lower: [major!, minor, 0], upper: [major!, minor + 1, 0] };
}

export function inRange(v: Semver, range: SemverRange): boolean {
  return compareSemver(v, range.lower) >= 0 && (range.upper === null || compareSemver(v, range.upper) < 0);
}
