/**
 * SQL variables: `{variables.code_name}` in HogQL stands for the value the query's `variables`
 * give that code name (PostHog's HogQLVariable: `{variableId, code_name, value, isNull?}`), else
 * the project's default for it. Values are typed by the variable's type and become constants (a
 * relative date an expression of the query's now), so a value is data and never SQL.
 */
import type { VariableDefinition } from '../query/types';
import type { AstNode } from './ast';
import { dateBound } from './dates';
import { fail, HogQLError } from './errors';
import { valueToAst } from './values';

/** A relative date (`-7d`, `-24h`, `mStart`, …), which a Date variable may hold as PostHog's do. */
export const RELATIVE_DATE = /^(-?\d{1,5}[hdwmqyM]|[dwmy]Start)$/;

/** Whether the HogQL text names a variable (only then are the project's variables loaded). */
export function namesVariables(text: string): boolean {
  return /\{\s*variables\s*\./.test(text);
}

/** The query's `variables` (keyed by variable id) as value entries by code name; 400 for a malformed one. */
export function queryVariableValues(raw: unknown): Map<string, { value: unknown; isNull: boolean }> {
  const byCodeName = new Map<string, { value: unknown; isNull: boolean }>();
  if (raw === undefined || raw === null) return byCodeName;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new HogQLError('variables must be an object keyed by variable id.');
  for (const [id, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new HogQLError(`variables.${id} must be an object with a code_name.`);
    const { code_name: codeName, value, isNull } = entry as Record<string, unknown>;
    if (typeof codeName !== 'string' || codeName === '') throw new HogQLError(`variables.${id} must have a code_name.`);
    byCodeName.set(codeName, { value, isNull: isNull === true });
  }
  return byCodeName;
}

/**
 * Each `{variables.x}` as a constant: the query's value, else the default; an unknown code name
 * or one with neither a value nor a default is refused by name. A relative Date (`-7d`) is that
 * moment in the project's time zone, from the query's "now".
 */
export function variableResolver(
  definitions: readonly VariableDefinition[],
  values: ReadonlyMap<string, { value: unknown; isNull: boolean }>,
  timezone: string,
): (codeName: string) => AstNode {
  const byCodeName = new Map(definitions.map((d) => [d.codeName, d]));
  return (codeName) => {
    const definition = byCodeName.get(codeName) ?? fail(`Variable {variables.${codeName}} does not exist in this project.`);
    const given = values.get(codeName);
    if (given?.isNull) return { node: 'Constant', value: null };
    const value = given?.value ?? definition.defaultValue;
    if (value === null || value === undefined) fail(`Variable {variables.${codeName}} has no value and no default.`);
    if (definition.type === 'Date' && typeof value === 'string' && RELATIVE_DATE.test(value.trim())) return dateBound(value, timezone, 'from')!;
    return valueToAst(typedValue(definition, value), `variables.${codeName}`);
  };
}

/** A value as the variable's type: Number a number, Boolean a boolean, String/List/Date strings (a List may give several). */
function typedValue(definition: VariableDefinition, value: unknown): unknown {
  const name = `{variables.${definition.codeName}}`;
  switch (definition.type) {
    case 'Number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? n : fail(`Variable ${name} must be a number.`);
    }
    case 'Boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return fail(`Variable ${name} must be true or false.`);
    case 'Date': {
      const text = scalarText(value) ?? fail(`Variable ${name} must be a date.`);
      if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text))) fail(`Variable ${name} must be a date (YYYY-MM-DD) or a relative date (-7d).`);
      return text;
    }
    case 'List':
      if (Array.isArray(value)) return value.map((v) => scalarText(v) ?? fail(`Variable ${name} must be a list of strings.`));
      return scalarText(value) ?? fail(`Variable ${name} must be a string.`);
    default:
      return scalarText(value) ?? fail(`Variable ${name} must be a string.`);
  }
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return undefined;
}
