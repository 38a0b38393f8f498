/**
 * Distinct ids that SDKs and careless callers send for "no id": merging on them would glue
 * unrelated people together, so merges that involve them are refused (contract §2.4).
 */
const ILLEGAL_CASE_INSENSITIVE = new Set([
  'anonymous', 'guest', 'distinctid', 'distinct_id', 'id', 'not_authenticated', 'email', 'undefined', 'true', 'false',
]);
const ILLEGAL_CASE_SENSITIVE = new Set(['[object Object]', 'NaN', 'None', 'none', 'null', '0', 'undefined']);

export function isIllegalDistinctId(id: string): boolean {
  const trimmed = id.trim();
  if (trimmed === '') return true;
  if (ILLEGAL_CASE_SENSITIVE.has(trimmed)) return true;
  const unquoted = /^(['"])(.*)\1$/.exec(trimmed)?.[2] ?? trimmed;
  return ILLEGAL_CASE_INSENSITIVE.has(unquoted.toLowerCase()) || ILLEGAL_CASE_SENSITIVE.has(unquoted);
}
