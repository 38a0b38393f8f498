/**
 * The logging interface handlers and the core receive. Lambdas pass the Powertools Logger
 * (which has this shape); the local platform uses `createJsonLogger`. Fields named like
 * secrets and values that look like keys are redacted before anything is written.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const SECRET_FIELD = /(authorization|password|secret|api_?key|token|cookie|credential)/i;
const SECRET_VALUE = /\b(phx|phs)_[A-Za-z0-9]+/g;

/** Replaces secret-looking fields and key-looking substrings. Project tokens (phc_) are public. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (typeof value === 'string') return value.replace(SECRET_VALUE, (m) => `${m.slice(0, 4)}[redacted]`);
  if (value instanceof Error) return { name: value.name, message: redact(value.message), stack: redact(value.stack) };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_FIELD.test(k) && typeof v === 'string' && !v.startsWith('phc_') ? '[redacted]' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export function createJsonLogger(
  options: { level?: LogLevel; write?: (line: string) => void; base?: Record<string, unknown> } = {},
): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const log = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < min) return;
    const entry = { level, time: new Date().toISOString(), message: redact(message), ...options.base, ...(redact(fields ?? {}) as object) };
    write(JSON.stringify(entry));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
