import type { Team } from '../accounts/accounts-repository';
import { BadRequestError, NotFoundError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import { filtersOverrideParam, withDashboardFilters } from '../insights/dashboard-filters';
import { findDashboard, liveDashboardIds } from '../insights/dashboard-repository';
import { variablesOverrideParam, withVariables } from '../insights/dashboard-variables';
import { booleanField, booleanParam, idListField, objectField, stringField, tagsField } from '../insights/fields';
import { effectiveQuery, legacyFiltersToQuery } from '../insights/legacy-filters';
import {
  findInsight,
  insertInsight,
  listInsights,
  setInsightDashboards,
  setInsightLastRefresh,
  updateInsight,
  type InsightFields,
  type InsightRecord,
} from '../insights/insight-repository';
import type { Database } from '../ports/database';
import { refreshModeOf, type QueryScope, type QueryService, type RefreshMode } from '../query/query-service';
import type { ApiAuthenticator, ApiCaller } from './auth';
import { idParam, pageLinks, pageParams, userJson } from './definition-helpers';
import { queryScopeOf } from './query-api';
import { parseJsonBody } from './request';

const EMPTY_RESULT = {
  result: null,
  hasMore: null,
  columns: null,
  types: null,
  hogql: null,
  last_refresh: null,
  next_allowed_client_refresh: null,
  cache_target_age: null,
  is_cached: false,
  query_status: null,
};

/**
 * An insight's result fields through the query service, from its query or, for a legacy insight,
 * the query its `filters` describe (lib/insights/legacy-filters.ts). `force_cache` (PostHog's default when
 * no `refresh` is asked) never computes, and answers nothing for kinds this server cannot run.
 */
export async function insightResult(
  deps: { db: Database; queries: QueryService },
  scope: QueryScope,
  insight: Pick<InsightRecord, 'id' | 'query' | 'filters'>,
  mode: RefreshMode,
  query: Record<string, unknown> | null = effectiveQuery(insight),
): Promise<Record<string, unknown>> {
  if (!query) return { ...EMPTY_RESULT, timezone: scope.timezone };
  if (mode === 'force_cache') {
    try {
      deps.queries.resolve(query);
    } catch {
      return { ...EMPTY_RESULT, timezone: scope.timezone };
    }
  }
  const { body } = await deps.queries.run(query, scope, { refresh: mode });
  if (body.is_cached === false && typeof body.last_refresh === 'string') await setInsightLastRefresh(deps.db, insight.id, body.last_refresh);
  return {
    result: body.results ?? null,
    hasMore: body.hasMore ?? null,
    columns: body.columns ?? null,
    types: body.types ?? null,
    hogql: body.hogql ?? null,
    last_refresh: body.last_refresh ?? null,
    next_allowed_client_refresh: body.next_allowed_client_refresh ?? null,
    cache_target_age: null,
    is_cached: body.is_cached ?? false,
    query_status: body.query_status ?? null,
    timezone: body.timezone ?? scope.timezone,
  };
}

/** PostHog shows a legacy insight (filters, no query) with the query its filters describe, and empty filters. */
function shownQuery(i: InsightRecord): { query: Record<string, unknown> | null; filters: Record<string, unknown> } {
  const legacy = i.query ? null : effectiveQuery(i);
  return legacy ? { query: legacy, filters: {} } : { query: i.query, filters: i.filters };
}

/** A saved insight as PostHog's InsightSerializer shows one (the result fields come from `insightResult`). */
export function insightJson(i: InsightRecord, result: Record<string, unknown>): Record<string, unknown> {
  return {
    id: i.id,
    short_id: i.shortId,
    name: i.name,
    derived_name: i.derivedName,
    ...shownQuery(i),
    order: null,
    deleted: i.deleted,
    dashboards: i.tiles.map((t) => t.dashboard_id),
    dashboard_tiles: i.tiles,
    created_at: i.createdAt,
    created_by: userJson(i.createdBy),
    description: i.description,
    updated_at: i.lastModifiedAt,
    tags: i.tags,
    favorited: i.favorited,
    saved: i.saved,
    last_modified_at: i.lastModifiedAt,
    last_modified_by: userJson(i.lastModifiedBy),
    is_sample: false,
    effective_restriction_level: 21,
    effective_privilege_level: 37,
    user_access_level: 'editor',
    alerts: [],
    ...result,
    last_refresh: result.last_refresh ?? i.lastRefresh,
  };
}

/** `query`: an object with a string kind, or null. */
function queryField(body: Record<string, unknown>): Record<string, unknown> | null | undefined {
  const query = objectField(body, 'query', { nullable: true });
  if (query && (typeof query.kind !== 'string' || query.kind === '')) throw new BadRequestError('invalid_input', 'query.kind is required.', 'query.kind');
  return query;
}

/**
 * /api/projects/:id/insights/ — saved insights: list (search, saved, favorited, short_id,
 * dashboards, basic, refresh, limit, offset), create, retrieve (`?refresh=` computes the result;
 * `filters_override`, `from_dashboard` and `variables_override` apply to that read only), update,
 * soft delete. `dashboards` puts the insight on dashboards as tiles.
 */
export function createInsightsApi(deps: { db: Database; auth: ApiAuthenticator; queries: QueryService }) {
  const { db, auth } = deps;

  function fieldsOf(body: Record<string, unknown>, current?: InsightRecord): InsightFields {
    const query = queryField(body);
    const fields: InsightFields = {
      name: body.name === undefined ? (current?.name ?? null) : (stringField(body, 'name', { max: 400, nullable: true }) ?? null),
      derived_name: body.derived_name === undefined ? (current?.derivedName ?? null) : (stringField(body, 'derived_name', { max: 400, nullable: true }) ?? null),
      description: stringField(body, 'description', { max: 400, nullable: true }) ?? current?.description ?? '',
      query: query === undefined ? (current?.query ?? null) : query,
      filters: objectField(body, 'filters') ?? current?.filters ?? {},
      favorited: booleanField(body, 'favorited') ?? current?.favorited ?? false,
      saved: booleanField(body, 'saved') ?? current?.saved ?? false,
      tags: tagsField(body) ?? current?.tags ?? [],
      deleted: booleanField(body, 'deleted') ?? current?.deleted ?? false,
    };
    // Legacy filters without a query are what the insight computes: refuse bad ones when they are saved.
    const touched = body.filters !== undefined || body.query !== undefined;
    if (touched && !fields.query && Object.keys(fields.filters).length > 0) legacyFiltersToQuery(fields.filters);
    return fields;
  }

  async function dashboardsOf(teamId: number, body: Record<string, unknown>): Promise<number[] | undefined> {
    const ids = idListField(body, 'dashboards');
    if (ids === undefined) return undefined;
    const live = await liveDashboardIds(db, teamId, ids);
    const missing = ids.find((id) => !live.has(id));
    if (missing !== undefined) throw new BadRequestError('invalid_input', `Dashboard ${missing} does not exist in this project.`, 'dashboards');
    return ids;
  }

  /**
   * The dashboard filters a read applies: those of `from_dashboard` (a dashboard of this project),
   * then `filters_override` over them. Undefined when the read asks for neither.
   */
  async function readFilters(teamId: number, query: URLSearchParams): Promise<Record<string, unknown> | undefined> {
    const override = filtersOverrideParam(query);
    const fromDashboard = query.get('from_dashboard');
    if (fromDashboard === null || fromDashboard === '') return override;
    const id = Number(fromDashboard);
    if (!Number.isSafeInteger(id) || id <= 0) throw new BadRequestError('invalid_input', 'from_dashboard must be a dashboard id.', 'from_dashboard');
    const dashboard = await findDashboard(db, teamId, id);
    if (!dashboard || dashboard.deleted) throw new BadRequestError('invalid_input', `Dashboard ${id} does not exist in this project.`, 'from_dashboard');
    return { ...dashboard.filters, ...override };
  }

  async function save(team: Team, caller: ApiCaller, body: Record<string, unknown>, current?: InsightRecord): Promise<InsightRecord> {
    const fields = fieldsOf(body, current);
    const dashboards = await dashboardsOf(team.id, body);
    const id = await db.transaction(async (tx) => {
      const saved = current ? (await updateInsight(tx, team.id, current.id, fields, caller.user.id), current.id) : (await insertInsight(tx, team.id, fields, caller.user.id)).id;
      if (dashboards !== undefined) await setInsightDashboards(tx, saved, dashboards);
      return saved;
    });
    return (await findInsight(db, team.id, id))!;
  }

  return {
    async list(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'insight:read');
      const page = pageParams(req);
      const mode = refreshModeOf(req.query.get('refresh') ?? undefined, undefined, 'force_cache');
      const dashboard = req.query.get('dashboards') ?? req.query.get('dashboard');
      const dashboardId = dashboard ? Number(/\d+/.exec(dashboard)?.[0] ?? NaN) : undefined;
      if (dashboardId !== undefined && !Number.isInteger(dashboardId)) throw new BadRequestError('invalid_input', 'dashboards must name a dashboard id.', 'dashboards');
      const { count, insights } = await listInsights(db, team.id, {
        ...page,
        search: req.query.get('search') || undefined,
        saved: booleanParam(req.query, 'saved'),
        favorited: booleanParam(req.query, 'favorited'),
        shortId: req.query.get('short_id') || undefined,
        dashboardId,
      });
      const scope = await queryScopeOf(db, team);
      // `basic=true` (PostHog's lightweight list) leaves the results out.
      const basic = booleanParam(req.query, 'basic') ?? false;
      const results = [];
      for (const insight of insights) results.push(insightJson(insight, basic ? { ...EMPTY_RESULT, timezone: scope.timezone } : await insightResult(deps, scope, insight, mode)));
      return json(200, { count, ...pageLinks(req, page, count), results });
    },

    async create(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'insight:write');
      const insight = await save(team, caller, parseJsonBody(req));
      return json(201, insightJson(insight, await insightResult(deps, await queryScopeOf(db, team), insight, 'force_cache')));
    },

    async retrieve(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'insight:read');
      const insight = await findInsight(db, team.id, idParam(req, 'insightId'));
      if (!insight || insight.deleted) throw new NotFoundError();
      const mode = refreshModeOf(req.query.get('refresh') ?? undefined, undefined, 'force_cache');
      const filters = await readFilters(team.id, req.query);
      const own = effectiveQuery(insight);
      const variables = variablesOverrideParam(req.query);
      const filtered = own && filters ? withDashboardFilters(own, filters) : own;
      const query = filtered && variables ? withVariables(filtered, variables) : filtered;
      const result = await insightResult(deps, await queryScopeOf(db, team), insight, mode, query);
      return json(result.query_status && (result.query_status as { complete?: boolean }).complete === false ? 202 : 200, insightJson(insight, result));
    },

    async update(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'insight:write');
      const current = await findInsight(db, team.id, idParam(req, 'insightId'));
      if (!current) throw new NotFoundError();
      const insight = await save(team, caller, parseJsonBody(req), current);
      return json(200, insightJson(insight, await insightResult(deps, await queryScopeOf(db, team), insight, 'force_cache')));
    },

    /** DELETE: a soft delete, as PATCH {"deleted": true}. */
    async destroy(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'insight:write');
      const current = await findInsight(db, team.id, idParam(req, 'insightId'));
      if (!current) throw new NotFoundError();
      if (!current.deleted) await save(team, caller, { deleted: true }, current);
      return { status: 204 };
    },
  };
}
