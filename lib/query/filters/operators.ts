/**
 * PostHog's property operators as SQL over a Nullable(String) value expression: the property's
 * JSON value as text (strings decoded, numbers and booleans as written, NULL when missing or
 * JSON null). Negative operators (`is_not`, `not_icontains`, `not_regex`) match missing values,
 * as PostHog's null-safe comparisons do.
 */
import { BadRequestError, describeValue } from '../../http/errors';
import type { PropertyFilter } from '../../flags/types';
import type { SqlParams } from './sql-params';
import { TZ } from './sql-params';

export const OPERATORS = [
  'exact',
  'is_not',
  'icontains',
  'not_icontains',
  'regex',
  'not_regex',
  'gt',
  'gte',
  'lt',
  'lte',
  'is_set',
  'is_not_set',
  'is_date_exact',
  'is_date_before',
  'is_date_after',
  'between',
  'not_between',
] as const;

/** A filter value as the text ClickHouse holds: strings as they are, true → 'true', 5 → '5'. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** Resolves a date filter value (ISO or relative like -7d) to `YYYY-MM-DD hh:mm:ss` text. */
export type DateValueResolver = (value: string, field: string) => string;

export function operatorSql(
  v: string,
  filter: PropertyFilter,
  params: SqlParams,
  field: string,
  resolveDate: DateValueResolver,
): string {
  const operator = filter.operator ?? 'exact';
  const value = filter.value;
  const needValue = () => {
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
      throw new BadRequestError('invalid_input', `${field}.value is required for operator ${operator}.`, `${field}.value`);
    }
  };
  const number = (x: unknown, what = 'value') => {
    const n = typeof x === 'number' ? x : Number(x);
    if (x === '' || x === null || !Number.isFinite(n)) throw new BadRequestError('invalid_input', `${field}.${what} must be a number for operator ${operator}.`, `${field}.value`);
    return params.add(n, 'Float64');
  };
  switch (operator) {
    case 'exact':
      needValue();
      return `ifNull(${v} IN ${params.add(list(value).map(valueText), 'Array(String)')}, 0)`;
    case 'is_not':
      needValue();
      return `ifNull(${v} NOT IN ${params.add(list(value).map(valueText), 'Array(String)')}, 1)`;
    case 'icontains':
      needValue();
      return `ifNull(positionCaseInsensitiveUTF8(${v}, ${params.str(valueText(value))}) > 0, 0)`;
    case 'not_icontains':
      needValue();
      return `ifNull(positionCaseInsensitiveUTF8(${v}, ${params.str(valueText(value))}) = 0, 1)`;
    case 'regex':
      needValue();
      return `ifNull(match(${v}, ${params.str(valueText(value))}), 0)`;
    case 'not_regex':
      needValue();
      return `ifNull(NOT match(${v}, ${params.str(valueText(value))}), 1)`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      needValue();
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[operator];
      const scalar = Array.isArray(value) ? value[0] : value;
      if (Number.isFinite(Number(scalar)) && scalar !== '') return `ifNull(toFloat64OrNull(${v}) ${op} ${number(scalar)}, 0)`;
      return `ifNull(${v} ${op} ${params.str(valueText(scalar))}, 0)`;
    }
    case 'between':
    case 'not_between': {
      if (!Array.isArray(value) || value.length !== 2) throw new BadRequestError('invalid_input', `${field}.value must be [min, max] for operator ${operator}.`, `${field}.value`);
      const inside = `toFloat64OrNull(${v}) BETWEEN ${number(value[0], 'value[0]')} AND ${number(value[1], 'value[1]')}`;
      return operator === 'between' ? `ifNull(${inside}, 0)` : `ifNull(NOT (${inside}), 0)`;
    }
    case 'is_set':
      return `(${v} IS NOT NULL)`;
    case 'is_not_set':
      return `(${v} IS NULL)`;
    case 'is_date_exact':
    case 'is_date_before':
    case 'is_date_after': {
      needValue();
      const scalar = valueText(Array.isArray(value) ? value[0] : value);
      const parsed = `parseDateTime64BestEffortOrNull(${v}, 6, ${TZ})`;
      const bound = `toDateTime64(${params.str(resolveDate(scalar, `${field}.value`))}, 6, ${TZ})`;
      if (operator === 'is_date_exact') return `ifNull(toDate(${parsed}, ${TZ}) = toDate(${bound}, ${TZ}), 0)`;
      return `ifNull(${parsed} ${operator === 'is_date_before' ? '<' : '>'} ${bound}, 0)`;
    }
    default:
      throw new BadRequestError('invalid_input', `${field}.operator "${describeValue(operator)}" is not supported; use one of ${OPERATORS.join(', ')}.`, `${field}.operator`);
  }
}
