import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, type FieldDef, type PoolClient, type QueryArrayResult } from 'pg';

/**
 * A small local implementation of the RDS Data API's REST-JSON protocol, backed by a real
 * PostgreSQL server, for testing code through the real `@aws-sdk/client-rds-data` client.
 * Routes: POST /Execute, /BeginTransaction, /CommitTransaction, /RollbackTransaction, /BatchExecute.
 *
 * What it reproduces, as the Data API documents or is known to behave:
 * - named `:name` placeholders (outside literals and comments; `::` casts left alone), bound
 *   with the SQL type of their field: stringValue → varchar (or the typeHint's type: JSON, UUID,
 *   TIMESTAMP, DATE, TIME, DECIMAL), longValue → int8, doubleValue → float8, booleanValue → bool,
 *   blobValue → bytea, isNull → untyped. A string compared with a uuid column needs a cast, as on AWS
 *   (its JDBC driver binds strings as VARCHAR: koxudaxi/local-data-api#137);
 * - `formatRecordsAs: 'JSON'`: `formattedRecords` is a JSON array of objects keyed by column
 *   label; integers and floats are numbers, booleans booleans, NULL null, and everything else
 *   text (json/jsonb and numeric as their text, timestamps as `YYYY-MM-DD HH:MM:SS[.ffffff]`
 *   in UTC, bytea as base64). Without it, `records` of typed fields;
 * - `numberOfRecordsUpdated` for INSERT/UPDATE/DELETE/MERGE, 0 otherwise;
 * - transactions: one database session per transaction id, TransactionNotFoundException for
 *   an unknown id, SQL errors as DatabaseErrorException `ERROR: … ; SQLState: XXXXX`;
 * - `simulateResume(ms)`: DatabaseResumingException for every call during that time, like an
 *   Aurora cluster waking from auto-pause.
 * Not reproduced: authentication, response size limits, the 3-minute idle transaction timeout.
 */
export interface DataApiServerOptions {
  /** node-postgres connection string of the backing server. */
  readonly connectionString: string;
  /** search_path of every session, so that a test run can live in its own schema. */
  readonly schema?: string;
}

export interface RecordedRequest {
  readonly operation: string;
  readonly body: Record<string, any>;
}

interface Field {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string;
}

interface SqlParameter {
  name: string;
  value: Field;
  typeHint?: string;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const TYPE_HINTS: Record<string, string> = { JSON: 'json', UUID: 'uuid', TIMESTAMP: 'timestamp', DATE: 'date', TIME: 'time', DECIMAL: 'numeric' };

export class DataApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly transactions = new Map<string, PoolClient>();
  private resumingUntil = 0;
  private resumingAnswers = 0;

  private constructor(
    private readonly server: http.Server,
    private readonly pool: Pool,
  ) {}

  static async start(options: DataApiServerOptions): Promise<DataApiServer> {
    const settings = [`-c TimeZone=UTC`, ...(options.schema ? [`-c search_path=${options.schema}`] : [])].join(' ');
    // Every column as PostgreSQL's text form; jsonValue() maps it as the Data API would.
    const raw = { getTypeParser: () => (value: string) => value };
    const pool = new Pool({ connectionString: options.connectionString, options: settings, max: 8, types: raw });
    // Fail now, not at the first request, when PostgreSQL is down.
    await pool.query('SELECT 1');
    const server = http.createServer();
    const api = new DataApiServer(server, pool);
    server.on('request', (req, res) => void api.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers DatabaseResumingException to every call for the next `ms` milliseconds. */
  simulateResume(ms: number): void {
    this.resumingUntil = Date.now() + ms;
    this.resumingAnswers = 0;
  }

  /** How many calls got DatabaseResumingException since the last `simulateResume`. */
  get resumingAnswered(): number {
    return this.resumingAnswers;
  }

  get openTransactions(): number {
    return this.transactions.size;
  }

  async stop(): Promise<void> {
    for (const [id, client] of this.transactions) {
      this.transactions.delete(id);
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.pool.end();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const operation = (req.url ?? '').split('?')[0].replace(/^\//, '');
    try {
      if (req.method !== 'POST') throw new ApiError(404, 'NotFoundException', `No route ${req.method} ${req.url}`);
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>) : {};
      this.requests.push({ operation, body });
      if (Date.now() < this.resumingUntil) {
        this.resumingAnswers++;
        throw new ApiError(400, 'DatabaseResumingException', 'The Aurora DB instance is resuming after being auto-paused. Please wait a few seconds and try again.');
      }
      for (const field of ['resourceArn', 'secretArn']) {
        if (typeof body[field] !== 'string' || body[field] === '') throw new ApiError(400, 'BadRequestException', `${field} is required`);
      }
      const answer = await this.route(operation, body);
      send(res, 200, answer);
    } catch (error) {
      if (error instanceof ApiError) send(res, error.status, { message: error.message }, error.type);
      else send(res, 500, { message: String(error) }, 'InternalServerErrorException');
    }
  }

  private route(operation: string, body: Record<string, any>): Promise<object> {
    switch (operation) {
      case 'Execute':
        return this.execute(body);
      case 'BatchExecute':
        return this.batchExecute(body);
      case 'BeginTransaction':
        return this.begin();
      case 'CommitTransaction':
        return this.end(body, 'COMMIT', 'Transaction Committed');
      case 'RollbackTransaction':
        return this.end(body, 'ROLLBACK', 'Rollback Complete');
      default:
        throw new ApiError(404, 'NotFoundException', `Unknown operation ${operation}`);
    }
  }

  private async execute(body: Record<string, any>): Promise<object> {
    const statement = bindNamed(requireSql(body), body.parameters ?? []);
    const result = await this.onSession(body.transactionId, (client) => runSql(client, statement.text, statement.values));
    const updated = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(result.command) ? result.rowCount ?? 0 : 0;
    const out: Record<string, unknown> = { numberOfRecordsUpdated: updated };
    if (result.fields.length > 0) {
      if (body.formatRecordsAs === 'JSON') {
        out.formattedRecords = JSON.stringify(result.rows.map((row) => Object.fromEntries(result.fields.map((f, i) => [f.name, jsonValue(f, row[i])]))));
      } else {
        out.records = result.rows.map((row) => result.fields.map((f, i) => fieldValue(f, row[i])));
      }
    }
    return out;
  }

  private async batchExecute(body: Record<string, any>): Promise<object> {
    const sql = requireSql(body);
    const sets: SqlParameter[][] = body.parameterSets?.length ? body.parameterSets : [[]];
    const updateResults = await this.onSession(body.transactionId, async (client) => {
      const results: object[] = [];
      for (const set of sets) {
        const statement = bindNamed(sql, set);
        const result = await runSql(client, statement.text, statement.values);
        results.push({ generatedFields: result.fields.length > 0 && result.rows[0] ? result.fields.map((f, i) => fieldValue(f, result.rows[0][i])) : [] });
      }
      return results;
    });
    return { updateResults };
  }

  private async begin(): Promise<object> {
    const client = await this.pool.connect();
    await client.query('BEGIN');
    const transactionId = randomBytes(24).toString('base64');
    this.transactions.set(transactionId, client);
    return { transactionId };
  }

  private async end(body: Record<string, any>, sql: 'COMMIT' | 'ROLLBACK', status: string): Promise<object> {
    const client = this.transaction(body.transactionId);
    this.transactions.delete(body.transactionId);
    try {
      await runSql(client, sql, []);
    } finally {
      client.release();
    }
    return { transactionStatus: status };
  }

  private async onSession<T>(transactionId: string | undefined, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    if (transactionId) return fn(this.transaction(transactionId));
    const client = await this.pool.connect();
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }

  private transaction(id: unknown): PoolClient {
    const client = typeof id === 'string' ? this.transactions.get(id) : undefined;
    if (!client) throw new ApiError(404, 'TransactionNotFoundException', `Transaction ${String(id)} is not found`);
    return client;
  }
}

function send(res: http.ServerResponse, status: number, body: object, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

function requireSql(body: Record<string, any>): string {
  if (typeof body.sql !== 'string' || body.sql.trim() === '') throw new ApiError(400, 'BadRequestException', 'sql is required');
  return body.sql;
}

/** Runs one statement; PostgreSQL errors become DatabaseErrorException with their SQLSTATE. */
async function runSql(client: PoolClient, text: string, values: unknown[]): Promise<QueryArrayResult> {
  try {
    const result = (await client.query({ text, values, rowMode: 'array' })) as
      | QueryArrayResult
      | QueryArrayResult[];
    return Array.isArray(result) ? result[result.length - 1] : result;
  } catch (error) {
    const e = error as { message: string; code?: string; detail?: string; position?: string };
    if (!e.code) throw error;
    const detail = e.detail ? `\n  Detail: ${e.detail}` : '';
    const position = e.position ? `\n  Position: ${e.position}` : '';
    throw new ApiError(400, 'DatabaseErrorException', `ERROR: ${e.message}${detail}${position}; SQLState: ${e.code}`);
  }
}

/**
 * Replaces each `:name` with a positional placeholder cast to the type of its field. Skips
 * string literals, quoted identifiers, dollar-quoted strings and comments, and `::` casts.
 */
function bindNamed(sql: string, parameters: SqlParameter[]): { text: string; values: unknown[] } {
  const byName = new Map(parameters.map((p) => [p.name, p]));
  const positions = new Map<string, number>();
  const values: unknown[] = [];
  let text = '';
  let i = 0;
  const copyUntil = (end: number) => {
    text += sql.slice(i, end);
    i = end;
  };
  while (i < sql.length) {
    const rest = sql.slice(i);
    let m: RegExpExecArray | null;
    if (rest.startsWith('--')) copyUntil(rest.includes('\n') ? i + rest.indexOf('\n') : sql.length);
    else if (rest.startsWith('/*')) copyUntil(rest.includes('*/') ? i + rest.indexOf('*/') + 2 : sql.length);
    else if (rest[0] === "'" || rest[0] === '"') {
      const backslashes = rest[0] === "'" && /[eE]$/.test(sql.slice(0, i)) && !/[\w$][eE]$/.test(sql.slice(0, i));
      let j = 1;
      while (j < rest.length) {
        if (backslashes && rest[j] === '\\') j += 2;
        else if (rest[j] === rest[0] && rest[j + 1] === rest[0]) j += 2;
        else if (rest[j] === rest[0]) break;
        else j++;
      }
      copyUntil(i + j + 1);
    } else if ((m = /^\$([A-Za-z_]\w*)?\$/.exec(rest)) && !/[\w$]$/.test(sql.slice(0, i))) {
      const close = rest.indexOf(m[0], m[0].length);
      copyUntil(close < 0 ? sql.length : i + close + m[0].length);
    } else if (rest.startsWith('::')) copyUntil(i + 2);
    else if ((m = /^:([A-Za-z_]\w*)/.exec(rest))) {
      const name = m[1];
      const parameter = byName.get(name);
      if (!parameter) throw new ApiError(400, 'BadRequestException', `No value specified for parameter: ${name}`);
      let position = positions.get(name);
      if (position === undefined) {
        values.push(pgValue(parameter.value));
        positions.set(name, (position = values.length));
      }
      const type = sqlType(parameter);
      text += type ? `$${position}::${type}` : `$${position}`;
      i += m[0].length;
    } else copyUntil(i + 1);
  }
  return { text, values };
}

function sqlType(parameter: SqlParameter): string | undefined {
  const v = parameter.value ?? {};
  if (v.stringValue !== undefined) return parameter.typeHint ? TYPE_HINTS[parameter.typeHint] : 'varchar';
  if (v.longValue !== undefined) return 'int8';
  if (v.doubleValue !== undefined) return 'float8';
  if (v.booleanValue !== undefined) return 'bool';
  if (v.blobValue !== undefined) return 'bytea';
  return undefined;
}

function pgValue(v: Field): unknown {
  if (v.blobValue !== undefined) return Buffer.from(v.blobValue, 'base64');
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.longValue !== undefined) return String(v.longValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.booleanValue !== undefined) return v.booleanValue;
  if (v.isNull) return null;
  throw new ApiError(400, 'BadRequestException', 'A parameter has no value');
}

const INTEGER_TYPES = new Set([20, 21, 23, 26]);
const FLOAT_TYPES = new Set([700, 701]);
const BOOL = 16;
const BYTEA = 17;
const TIMESTAMPTZ = 1184;

/** A column value (PostgreSQL text form) as the Data API's JSON format shows it. */
function jsonValue(field: FieldDef, text: string | null): unknown {
  if (text === null) return null;
  if (INTEGER_TYPES.has(field.dataTypeID)) return Number(text);
  if (FLOAT_TYPES.has(field.dataTypeID)) return Number.isFinite(Number(text)) ? Number(text) : text;
  if (field.dataTypeID === BOOL) return text === 't';
  if (field.dataTypeID === BYTEA) return Buffer.from(text.slice(2), 'hex').toString('base64');
  if (field.dataTypeID === TIMESTAMPTZ) return text.replace(/[+-]\d\d(:\d\d)?$/, '');
  return text;
}

/** A column value as a typed Data API field (the default record format). */
function fieldValue(field: FieldDef, text: string | null): Field {
  const value = jsonValue(field, text);
  if (value === null) return { isNull: true };
  if (typeof value === 'boolean') return { booleanValue: value };
  if (typeof value === 'number') return INTEGER_TYPES.has(field.dataTypeID) ? { longValue: value } : { doubleValue: value };
  if (field.dataTypeID === BYTEA) return { blobValue: value as string };
  return { stringValue: String(value) };
}
