import { BadRequestError, NotFoundError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import { actionNameTaken, findAction, insertAction, listActions, updateAction, type ActionFields, type ActionRecord } from '../insights/action-repository';
import { booleanField, dateTimeField, requireField, stringField, tagsField } from '../insights/fields';
import type { Database } from '../ports/database';
import type { ActionStep } from '../query/types';
import type { ApiAuthenticator } from './auth';
import { idParam, pageLinks, pageParams, userJson } from './definition-helpers';
import { parseJsonBody } from './request';

const MATCHING = ['contains', 'regex', 'exact'] as const;
const STEP_STRINGS = ['event', 'url', 'text', 'href', 'selector', 'tag_name'] as const;

/** PostHog's ActionStepJSON list; 400 naming `steps[i].field` for anything else. */
export function validateSteps(value: unknown): ActionStep[] {
  if (!Array.isArray(value)) throw new BadRequestError('invalid_input', 'steps must be a list.', 'steps');
  return value.map((raw, i) => {
    const attr = (field: string) => `steps[${i}]${field ? `.${field}` : ''}`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestError('invalid_input', `${attr('')} must be an object.`, attr(''));
    const step = raw as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const field of STEP_STRINGS) {
      const v = step[field];
      if (v === undefined || v === null) out[field] = null;
      else if (typeof v !== 'string' || v.length > 65_535) throw new BadRequestError('invalid_input', `${attr(field)} must be a string.`, attr(field));
      else out[field] = v;
    }
    for (const field of ['url', 'text', 'href'] as const) {
      const m = step[`${field}_matching`];
      if (m !== undefined && m !== null && !(MATCHING as readonly unknown[]).includes(m)) {
        throw new BadRequestError('invalid_input', `${attr(`${field}_matching`)} must be one of ${MATCHING.join(', ')}.`, attr(`${field}_matching`));
      }
      out[`${field}_matching`] = m ?? (out[field] !== null ? (field === 'url' ? 'contains' : 'exact') : null);
      if (out[`${field}_matching`] === 'regex' && typeof out[field] === 'string') {
        try {
          new RegExp(out[field] as string);
        } catch {
          throw new BadRequestError('invalid_regex', `${attr(field)} is not a valid regular expression.`, attr(field));
        }
      }
    }
    const properties = step.properties ?? [];
    if (!Array.isArray(properties) || properties.some((p) => !p || typeof p !== 'object' || typeof (p as { key?: unknown }).key !== 'string')) {
      throw new BadRequestError('invalid_input', `${attr('properties')} must be a list of property filters with a key.`, attr('properties'));
    }
    out.properties = properties;
    return out as ActionStep;
  });
}

/** An action as PostHog's ActionSerializer shows one. */
export function actionJson(a: ActionRecord): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    tags: a.tags,
    post_to_slack: a.postToSlack,
    slack_message_format: a.slackMessageFormat,
    steps: a.steps,
    created_at: a.createdAt,
    created_by: userJson(a.createdBy),
    deleted: a.deleted,
    is_calculating: false,
    last_calculated_at: a.updatedAt,
    team_id: a.team_id,
    is_action: true,
    bytecode_error: null,
    pinned_at: a.pinnedAt,
    creation_context: null,
    user_access_level: 'editor',
  };
}

/** /api/projects/:id/actions/ — list (search, limit, offset), create, retrieve, update, soft delete. */
export function createActionsApi(deps: { db: Database; auth: ApiAuthenticator }) {
  const { db, auth } = deps;

  async function fieldsOf(teamId: number, body: Record<string, unknown>, current?: ActionRecord): Promise<ActionFields> {
    const name = stringField(body, 'name', { max: 400, nonEmpty: true });
    const fields: ActionFields = {
      name: current ? (name ?? current.name) : requireField(name, 'name')!,
      description: stringField(body, 'description') ?? current?.description ?? '',
      steps: body.steps === undefined ? (current?.steps ?? []) : validateSteps(body.steps),
      tags: tagsField(body) ?? current?.tags ?? [],
      post_to_slack: booleanField(body, 'post_to_slack') ?? current?.postToSlack ?? false,
      slack_message_format: stringField(body, 'slack_message_format', { max: 1200 }) ?? current?.slackMessageFormat ?? '',
      pinned_at: body.pinned_at === undefined ? (current?.pinnedAt ?? null) : (dateTimeField(body, 'pinned_at', { nullable: true }) ?? null),
      deleted: booleanField(body, 'deleted') ?? current?.deleted ?? false,
    };
    if (!fields.deleted && (await actionNameTaken(db, teamId, fields.name, current?.id))) {
      throw new BadRequestError('unique', 'This project already has an action with this name.', 'name');
    }
    return fields;
  }

  return {
    async list(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'action:read');
      const page = pageParams(req);
      const { count, actions } = await listActions(db, team.id, { ...page, search: req.query.get('search') || undefined });
      return json(200, { count, ...pageLinks(req, page, count), results: actions.map(actionJson) });
    },

    async create(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'action:write');
      const fields = await fieldsOf(team.id, parseJsonBody(req));
      return json(201, actionJson(await insertAction(db, team.id, fields, caller.user.id)));
    },

    async retrieve(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'action:read');
      const action = await findAction(db, team.id, idParam(req, 'actionId'));
      if (!action) throw new NotFoundError();
      return json(200, actionJson(action));
    },

    async update(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'action:write');
      const current = await findAction(db, team.id, idParam(req, 'actionId'));
      if (!current) throw new NotFoundError();
      const body = parseJsonBody(req);
      if (req.method === 'PUT') requireField(body.name, 'name');
      const saved = await updateAction(db, team.id, current.id, await fieldsOf(team.id, body, current));
      return json(200, actionJson(saved!));
    },

    /** DELETE: a soft delete, as PATCH {"deleted": true}. */
    async destroy(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'action:write');
      const current = await findAction(db, team.id, idParam(req, 'actionId'));
      if (!current) throw new NotFoundError();
      if (!current.deleted) await updateAction(db, team.id, current.id, await fieldsOf(team.id, { deleted: true }, current));
      return { status: 204 };
    },
  };
}
