import type { Field, SqlParameter } from '@aws-sdk/client-rds-data';

/**
 * Rewrites node-postgres-style SQL (`$1 … $n`) for the RDS Data API, which binds named
 * parameters (`:p1 … :pn`) carrying typed values. Placeholders inside string literals,
 * quoted identifiers, dollar-quoted bodies and comments are left alone. Only the parameters
 * the SQL refers to are sent.
 */
export function toNamedParameters(sql: string, values: readonly unknown[]): { sql: string; parameters: SqlParameter[] } {
  const used = new Set<number>();
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    const skipTo = (end: number) => {
      out += sql.slice(i, end);
      i = end;
    };
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      skipTo(end < 0 ? sql.length : end);
    } else if (c === '/' && next === '*') {
      skipTo(blockCommentEnd(sql, i));
    } else if (c === "'") {
      skipTo(quotedEnd(sql, i, "'", isEscapeString(sql, i)));
    } else if (c === '"') {
      skipTo(quotedEnd(sql, i, '"', false));
    } else if (c === '$' && !isIdentifierChar(sql[i - 1])) {
      const number = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      const tag = number ? undefined : /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
      if (number) {
        const n = Number(number[1]);
        if (n < 1 || n > values.length) throw new RangeError(`The SQL refers to $${n}, but ${values.length} parameter(s) were given.`);
        used.add(n);
        out += `:p${n}`;
        i += number[0].length;
      } else if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        skipTo(close < 0 ? sql.length : close + tag[0].length);
      } else {
        skipTo(i + 1);
      }
    } else if (c === ':' && next === ':') {
      skipTo(i + 2);
    } else if (c === ':' && /[A-Za-z_]/.test(next ?? '') && sql[i - 1] !== ':') {
      // The Data API would take `:name` for one of its own placeholders.
      throw new SyntaxError(`The SQL contains ":${/^[A-Za-z_]\w*/.exec(sql.slice(i + 1))?.[0]}", which the Data API reads as a named parameter; use $n.`);
    } else {
      skipTo(i + 1);
    }
  }
  const parameters = [...used].sort((a, b) => a - b).map((n) => ({ name: `p${n}`, value: toField(values[n - 1], n) }));
  return { sql: out, parameters };
}

/** A JavaScript value as a Data API field. Lists and objects travel as JSON text (cast with `::jsonb`). */
export function toField(value: unknown, n: number): Field {
  if (value === null || value === undefined) return { isNull: true };
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { booleanValue: value };
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError(`Parameter $${n} is ${value}, which the Data API cannot carry.`);
      return Number.isSafeInteger(value) ? { longValue: value } : { doubleValue: value };
    case 'bigint':
      // Beyond 2^53 a JSON number loses digits: send the decimal text (cast it in SQL).
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? { longValue: Number(value) }
        : { stringValue: value.toString() };
    case 'object':
      if (value instanceof Uint8Array) return { blobValue: value };
      if (value instanceof Date) return { stringValue: value.toISOString() };
      return { stringValue: JSON.stringify(value) };
    default:
      throw new TypeError(`Parameter $${n} is a ${typeof value}, which has no SQL form.`);
  }
}

function isIdentifierChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}

/** An E'…' string, where a backslash escapes the next character. */
function isEscapeString(sql: string, quote: number): boolean {
  return /[eE]/.test(sql[quote - 1] ?? '') && !isIdentifierChar(sql[quote - 2]);
}

function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') i += 2;
    else if (sql[i] === quote && sql[i + 1] === quote) i += 2;
    else if (sql[i] === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

/** Block comments nest in PostgreSQL. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}
