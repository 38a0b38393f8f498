/**
 * A refused flag or cohort definition: `attr` is the path of the field at fault
 * (`filters.groups.0.rollout_percentage`), `code` PostHog's code for it. The API answers 400 with both.
 */
export class DefinitionValidationError extends Error {
  constructor(
    readonly attr: string,
    message: string,
    readonly code = 'invalid_input',
  ) {
    super(message);
    this.name = 'DefinitionValidationError';
  }
}

export function fail(attr: string, detail: string, code?: string): never {
  throw new DefinitionValidationError(attr, detail, code);
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Operators a stored property filter may use (PostHog's PropertyOperator, contract §3.6). */
export const FILTER_OPERATORS: ReadonlySet<string> = new Set([
  'exact', 'is_not', 'icontains', 'not_icontains', 'icontains_multi', 'not_icontains_multi', 'regex', 'not_regex',
  'gt', 'gte', 'lt', 'lte', 'is_set', 'is_not_set', 'is_date_exact', 'is_date_before', 'is_date_after',
  'between', 'not_between', 'min', 'max', 'in', 'not_in', 'is_cleaned_path_exact', 'flag_evaluates_to',
  'starts_with', 'not_starts_with', 'ends_with', 'not_ends_with',
  'semver_eq', 'semver_neq', 'semver_gt', 'semver_gte', 'semver_lt', 'semver_lte', 'semver_tilde', 'semver_caret', 'semver_wildcard',
]);

/** The operand of a PostHog relative date (`-7d`, `2w`; contract §3.6) or a parseable date. */
export function isDateValue(value: unknown): boolean {
  if (typeof value !== 'string' || value.trim() === '') return false;
  const relative = /^-?(\d+)([hdwmy])$/.exec(value.trim());
  if (relative) return Number(relative[1]) < 10_000;
  return !Number.isNaN(Date.parse(value));
}

/** An integer id given as a number or as decimal text, or undefined. */
export function integerId(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value.trim()) && Number(value) > 0) return Number(value);
  return undefined;
}

/** A JSON value's text with object keys sorted, for comparing values. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
