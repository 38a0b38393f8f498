/**
 * Reading the fields of an /api request body: each reader answers undefined when the field is
 * absent (a PATCH leaves it alone) and throws a 400 naming the field when it has the wrong shape.
 */
import { BadRequestError } from '../http/errors';

type Body = Record<string, unknown>;

const invalid = (attr: string, message: string) => new BadRequestError('invalid_input', message, attr);

export function requireField<T>(value: T | undefined, attr: string): T {
  if (value === undefined) throw new BadRequestError('required', `${attr} is required.`, attr);
  return value;
}

export function stringField(body: Body, attr: string, options: { max?: number; nullable?: boolean; nonEmpty?: boolean } = {}): string | null | undefined {
  const value = body[attr];
  if (value === undefined) return undefined;
  if (value === null) {
    if (options.nullable) return null;
    throw invalid(attr, `${attr} may not be null.`);
  }
  if (typeof value !== 'string') throw invalid(attr, `${attr} must be a string.`);
  if (options.max !== undefined && value.length > options.max) throw invalid(attr, `${attr} must be at most ${options.max} characters.`);
  if (options.nonEmpty && value.trim() === '') throw new BadRequestError('blank', `${attr} may not be blank.`, attr);
  return value;
}

export function booleanField(body: Body, attr: string): boolean | undefined {
  const value = body[attr];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(attr, `${attr} must be a boolean.`);
  return value;
}

export function objectField(body: Body, attr: string, options: { nullable?: boolean } = {}): Record<string, unknown> | null | undefined {
  const value = body[attr];
  if (value === undefined) return undefined;
  if (value === null && options.nullable) return null;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid(attr, `${attr} must be an object.`);
  return value as Record<string, unknown>;
}

/** Tags: a list of strings, trimmed, lower-cased and deduplicated as PostHog stores them. */
export function tagsField(body: Body, attr = 'tags'): string[] | undefined {
  const value = body[attr];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string')) throw invalid(attr, `${attr} must be a list of strings.`);
  return [...new Set((value as string[]).map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))];
}

export function idListField(body: Body, attr: string): number[] | undefined {
  const value = body[attr];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => !Number.isInteger(v) || (v as number) <= 0)) throw invalid(attr, `${attr} must be a list of ids.`);
  return [...new Set(value as number[])];
}

/** An ISO 8601 date-time (or null when allowed). */
export function dateTimeField(body: Body, attr: string, options: { nullable?: boolean } = {}): string | null | undefined {
  const value = body[attr];
  if (value === undefined) return undefined;
  if (value === null && options.nullable) return null;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value))) throw invalid(attr, `${attr} must be an ISO 8601 date-time.`);
  return new Date(value).toISOString();
}

export function enumField<T extends string>(body: Body, attr: string, values: readonly T[]): T | undefined {
  const value = body[attr];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) throw invalid(attr, `${attr} must be one of ${values.join(', ')}.`);
  return value as T;
}

/** `?name=true|false` of a list request; undefined when absent. */
export function booleanParam(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false' && raw !== '1' && raw !== '0') throw invalid(name, `${name} must be true or false.`);
  return raw === 'true' || raw === '1';
}

/** A LIKE pattern matching `text` anywhere (ILIKE with the default escape). */
export function containsPattern(text: string | null | undefined): string | null {
  return text ? `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
}
