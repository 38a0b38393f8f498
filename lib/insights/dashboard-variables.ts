/**
 * SQL variable values applied to an insight's query for one read, as PostHog does with a
 * dashboard's `variables` (for its tiles) and with `variables_override`: both are objects keyed
 * by variable id, each entry a HogQLVariable (`{variableId, code_name, value}`). The HogQLQuery
 * inside a DataVisualizationNode / DataTableNode gets the value; the saved insight is untouched.
 * As the values are in the query, the query's cache key follows them.
 */
import { BadRequestError } from '../http/errors';
import { unwrapQuery } from '../query/query-service';

type Variables = Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);

/**
 * The query with each variable's value replaced (a variable the query names by id keeps its
 * code name); a variable the query does not carry is added when the entry names its code_name.
 */
export function withVariables(query: Record<string, unknown>, variables: Variables): Record<string, unknown> {
  const entries = Object.entries(variables).filter(([, v]) => isObject(v));
  if (entries.length === 0 || String(unwrapQuery(query).kind) !== 'HogQLQuery') return query;
  const copy = JSON.parse(JSON.stringify(query)) as Record<string, unknown>;
  const source = unwrapQuery(copy);
  const own: Variables = isObject(source.variables) ? source.variables : {};
  for (const [id, entry] of entries as [string, Record<string, unknown>][]) {
    const current = own[id];
    const codeName = isObject(current) ? current.code_name : entry.code_name;
    if (typeof codeName !== 'string' || codeName === '') continue;
    own[id] = { variableId: id, code_name: codeName, value: entry.value ?? null };
  }
  source.variables = own;
  return copy;
}

/** `override` over `base`, entry by entry (an override giving only a value keeps the base's code name). */
export function mergeVariables(base: Variables, override: Variables | undefined): Variables {
  if (!override) return base;
  const merged: Variables = { ...base };
  for (const [id, entry] of Object.entries(override)) merged[id] = isObject(base[id]) ? { ...base[id], ...(entry as object) } : entry;
  return merged;
}

/** The `variables_override` query parameter (a JSON object of objects); undefined when absent, 400 otherwise. */
export function variablesOverrideParam(query: URLSearchParams): Variables | undefined {
  const raw = query.get('variables_override');
  if (raw === null || raw === '') return undefined;
  const refuse = (): never => {
    throw new BadRequestError('invalid_input', 'variables_override must be a JSON object keyed by variable id, each entry an object with a value.', 'variables_override');
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return refuse();
  }
  if (!isObject(parsed) || !Object.values(parsed).every(isObject)) refuse();
  return parsed as Variables;
}
