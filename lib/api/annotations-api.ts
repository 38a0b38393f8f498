import type { Team } from '../accounts/accounts-repository';
import { BadRequestError, NotFoundError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import {
  ANNOTATION_SCOPES,
  findAnnotation,
  insertAnnotation,
  listAnnotations,
  updateAnnotation,
  type AnnotationFields,
  type AnnotationRecord,
} from '../insights/annotation-repository';
import { liveDashboardIds } from '../insights/dashboard-repository';
import { booleanField, dateTimeField, enumField, stringField } from '../insights/fields';
import { findInsight } from '../insights/insight-repository';
import type { Database } from '../ports/database';
import type { ApiAuthenticator } from './auth';
import { idParam, pageLinks, pageParams, userJson } from './definition-helpers';
import { dateParam, parseJsonBody } from './request';

/** An annotation as PostHog's AnnotationSerializer shows one. */
export function annotationJson(a: AnnotationRecord): Record<string, unknown> {
  return {
    id: a.id,
    content: a.content,
    date_marker: a.dateMarker,
    creation_type: a.creationType,
    dashboard_item: a.dashboardItem,
    dashboard_id: a.dashboardId,
    dashboard_name: a.dashboardName,
    insight_short_id: a.insightShortId,
    insight_name: a.insightName,
    insight_derived_name: a.insightDerivedName,
    created_by: userJson(a.createdBy),
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    deleted: a.deleted,
    scope: a.scope,
  };
}

function optionalId(body: Record<string, unknown>, attr: string): number | null | undefined {
  const value = body[attr];
  if (value === undefined || value === null) return value as undefined | null;
  if (!Number.isInteger(value) || (value as number) <= 0 || (value as number) > 2_147_483_647) throw new BadRequestError('invalid_input', `${attr} must be an id.`, attr);
  return value as number;
}

/**
 * /api/projects/:id/annotations/ — list (search, scope, date_from, date_to, limit, offset; the
 * organisation's annotations included), create, retrieve, update, soft delete.
 */
export function createAnnotationsApi(deps: { db: Database; auth: ApiAuthenticator }) {
  const { db, auth } = deps;

  async function fieldsOf(team: Team, body: Record<string, unknown>, current?: AnnotationRecord): Promise<AnnotationFields> {
    const dashboardItem = optionalId(body, 'dashboard_item');
    const dashboardId = optionalId(body, 'dashboard_id');
    if (dashboardItem) {
      const insight = await findInsight(db, team.id, dashboardItem);
      if (!insight || insight.deleted) throw new BadRequestError('invalid_input', `Insight ${dashboardItem} does not exist in this project.`, 'dashboard_item');
    }
    if (dashboardId && !(await liveDashboardIds(db, team.id, [dashboardId])).has(dashboardId)) {
      throw new BadRequestError('invalid_input', `Dashboard ${dashboardId} does not exist in this project.`, 'dashboard_id');
    }
    const fields: AnnotationFields = {
      content: body.content === undefined ? (current?.content ?? null) : (stringField(body, 'content', { max: 400, nullable: true }) ?? null),
      date_marker: body.date_marker === undefined ? (current?.dateMarker ?? null) : (dateTimeField(body, 'date_marker', { nullable: true }) ?? null),
      scope: enumField(body, 'scope', ANNOTATION_SCOPES) ?? current?.scope ?? 'dashboard_item',
      dashboard_item: dashboardItem === undefined ? (current?.dashboardItem ?? null) : dashboardItem,
      dashboard_id: dashboardId === undefined ? (current?.dashboardId ?? null) : dashboardId,
      creation_type: enumField(body, 'creation_type', ['USR', 'GIT'] as const) ?? current?.creationType ?? 'USR',
      deleted: booleanField(body, 'deleted') ?? current?.deleted ?? false,
    };
    if (fields.scope === 'dashboard_item' && body.scope !== undefined && fields.dashboard_item === null) {
      throw new BadRequestError('required', 'dashboard_item is required for an annotation scoped to an insight.', 'dashboard_item');
    }
    if (fields.scope === 'dashboard' && body.scope !== undefined && fields.dashboard_id === null) {
      throw new BadRequestError('required', 'dashboard_id is required for an annotation scoped to a dashboard.', 'dashboard_id');
    }
    return fields;
  }

  /** An annotation the team sees (its own, or its organisation's): members of the organisation may change those. */
  async function own(req: HttpRequest, team: Team): Promise<AnnotationRecord> {
    const current = await findAnnotation(db, team, idParam(req, 'annotationId'));
    if (!current) throw new NotFoundError();
    return current;
  }

  return {
    async list(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'annotation:read');
      const page = pageParams(req);
      const scopeParam = req.query.get('scope') || undefined;
      if (scopeParam !== undefined && !(ANNOTATION_SCOPES as readonly string[]).includes(scopeParam)) {
        throw new BadRequestError('invalid_input', `scope must be one of ${ANNOTATION_SCOPES.join(', ')}.`, 'scope');
      }
      const { count, annotations } = await listAnnotations(db, team, {
        ...page,
        search: req.query.get('search') || undefined,
        scope: scopeParam as AnnotationFields['scope'] | undefined,
        dateFrom: dateParam(req, 'date_from'),
        dateTo: dateParam(req, 'date_to'),
      });
      return json(200, { count, ...pageLinks(req, page, count), results: annotations.map(annotationJson) });
    },

    async create(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'annotation:write');
      const body = parseJsonBody(req);
      const fields = await fieldsOf(team, { ...body, ...(body.date_marker === undefined ? { date_marker: new Date().toISOString() } : {}) });
      const id = await insertAnnotation(db, team, fields, caller.user.id);
      return json(201, annotationJson((await findAnnotation(db, team, id))!));
    },

    async retrieve(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'annotation:read');
      return json(200, annotationJson(await own(req, team)));
    },

    async update(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'annotation:write');
      const current = await own(req, team);
      await updateAnnotation(db, current.id, await fieldsOf(team, parseJsonBody(req), current));
      return json(200, annotationJson((await findAnnotation(db, team, current.id))!));
    },

    /** DELETE: a soft delete, as PATCH {"deleted": true}. */
    async destroy(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'annotation:write');
      const current = await own(req, team);
      if (!current.deleted) await updateAnnotation(db, current.id, await fieldsOf(team, { deleted: true }, current));
      return { status: 204 };
    },
  };
}
