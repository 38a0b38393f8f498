import type { Team } from '../accounts/accounts-repository';
import { BadRequestError, NotFoundError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import { RELATIVE_DATE } from '../hogql/variables';
import { enumField, requireField, stringField } from '../insights/fields';
import {
  codeNameOf,
  codeNameTaken,
  deleteInsightVariable,
  findInsightVariable,
  insertInsightVariable,
  listInsightVariables,
  updateInsightVariable,
  type InsightVariableFields,
  type InsightVariableRecord,
} from '../insights/insight-variable-repository';
import type { Database } from '../ports/database';
import { INSIGHT_VARIABLE_TYPES, type InsightVariableType } from '../query/types';
import type { ApiAuthenticator } from './auth';
import { asBadRequest, pageLinks, pageParams } from './definition-helpers';
import { parseJsonBody } from './request';

/** A variable as PostHog's InsightVariableSerializer shows one (created_by is the user's id). */
export function insightVariableJson(v: InsightVariableRecord): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    type: v.type,
    default_value: v.defaultValue,
    created_by: v.createdById,
    created_at: v.createdAt,
    code_name: v.codeName,
    values: v.values,
  };
}

const invalid = (attr: string, message: string) => new BadRequestError('invalid_input', message, attr);

/** A List's options and default are text, as PostHog keeps them (numbers and booleans are turned into text). */
function asText(value: unknown, attr: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw invalid(attr, `${attr} must be a string or a number.`);
}

/** `default_value` of a variable of this type (null: none); 400 naming it when it does not fit. */
function defaultValueOf(type: InsightVariableType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const attr = 'default_value';
  switch (type) {
    case 'Number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(attr, 'default_value of a Number variable must be a number.');
      return value;
    case 'Boolean':
      if (typeof value !== 'boolean') throw invalid(attr, 'default_value of a Boolean variable must be true or false.');
      return value;
    case 'Date':
      if (typeof value !== 'string' || !(RELATIVE_DATE.test(value) || (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))))) {
        throw invalid(attr, 'default_value of a Date variable must be a date (YYYY-MM-DD) or a relative date (-7d).');
      }
      return value;
    case 'List':
      return asText(value, attr);
    default:
      if (typeof value !== 'string') throw invalid(attr, 'default_value of a String variable must be a string.');
      return value;
  }
}

/** `values` (the options of a List variable); null for the other types. */
function valuesOf(type: InsightVariableType, value: unknown): unknown[] | null {
  if (type !== 'List') return null;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('values', 'values must be a list.');
  return value.filter((v) => v !== null).map((v, i) => asText(v, `values[${i}]`));
}

/**
 * /api/projects/:id/insight_variables/ — the project's SQL variables (PostHog's InsightVariable):
 * list, create (the code name is derived from the name, unique in the project), retrieve,
 * update (name, type, default, values; the code name stays), delete.
 */
export function createInsightVariablesApi(deps: { db: Database; auth: ApiAuthenticator }) {
  const { db, auth } = deps;

  async function own(req: HttpRequest, team: Team): Promise<InsightVariableRecord> {
    const found = await findInsightVariable(db, team.id, req.params?.variableId ?? '');
    if (!found) throw new NotFoundError();
    return found;
  }

  function fieldsOf(body: Record<string, unknown>, current?: InsightVariableRecord): InsightVariableFields {
    const name = stringField(body, 'name', { max: 400, nonEmpty: true }) ?? current?.name;
    const type = enumField(body, 'type', INSIGHT_VARIABLE_TYPES) ?? current?.type;
    const fields = { name: requireField(name, 'name'), type: requireField(type, 'type') };
    const typeChanged = current !== undefined && fields.type !== current.type;
    // A new type re-checks the kept default and options against it.
    const defaultValue = body.default_value !== undefined ? body.default_value : current?.defaultValue;
    const values = body.values !== undefined ? body.values : current?.values;
    return {
      ...fields,
      default_value: defaultValueOf(fields.type, typeChanged && body.default_value === undefined ? null : defaultValue),
      values: valuesOf(fields.type, values),
    };
  }

  const taken = (codeName: string) => new BadRequestError('unique', `A variable with the code name ${codeName} already exists in this project.`, 'name');

  return {
    async list(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'insight_variable:read');
      const page = pageParams(req, 500);
      const { count, variables } = await listInsightVariables(db, team.id, page);
      return json(200, { count, ...pageLinks(req, page, count), results: variables.map(insightVariableJson) });
    },

    async create(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'insight_variable:write');
      const fields = fieldsOf(parseJsonBody(req));
      const codeName = codeNameOf(fields.name);
      if (codeName === '') throw invalid('name', 'name must contain a letter or a digit (the code name is made of them).');
      if (await codeNameTaken(db, team.id, codeName)) throw taken(codeName);
      // The unique index settles a concurrent create of the same code name with the same 400.
      const id = await asBadRequest(() => insertInsightVariable(db, team.id, fields, caller.user.id), 'name', taken(codeName).message);
      return json(201, insightVariableJson((await findInsightVariable(db, team.id, id))!));
    },

    async retrieve(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'insight_variable:read');
      return json(200, insightVariableJson(await own(req, team)));
    },

    async update(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'insight_variable:write');
      const current = await own(req, team);
      await updateInsightVariable(db, team.id, current.id, fieldsOf(parseJsonBody(req), current));
      return json(200, insightVariableJson((await findInsightVariable(db, team.id, current.id))!));
    },

    async destroy(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'insight_variable:write');
      const current = await own(req, team);
      await deleteInsightVariable(db, team.id, current.id);
      return { status: 204 };
    },
  };
}
