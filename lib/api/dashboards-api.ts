import type { Team } from '../accounts/accounts-repository';
import { BadRequestError, NotFoundError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import {
  findDashboard,
  insertDashboard,
  insertInsightTile,
  insertTextTile,
  listDashboards,
  listTiles,
  touchDashboard,
  updateDashboard,
  updateTile,
  type DashboardFields,
  type DashboardRecord,
  type TileRecord,
} from '../insights/dashboard-repository';
import { filtersOverrideParam, withDashboardFilters } from '../insights/dashboard-filters';
import { mergeVariables, variablesOverrideParam, withVariables } from '../insights/dashboard-variables';
import { booleanField, booleanParam, objectField, stringField, tagsField } from '../insights/fields';
import { findInsights } from '../insights/insight-repository';
import { effectiveQuery } from '../insights/legacy-filters';
import type { Database, Sql } from '../ports/database';
import { refreshModeOf, type QueryService, type RefreshMode } from '../query/query-service';
import type { ApiAuthenticator, ApiCaller } from './auth';
import { idParam, pageLinks, pageParams, userJson } from './definition-helpers';
import { insightJson, insightResult } from './insights-api';
import { queryScopeOf } from './query-api';
import { parseJsonBody } from './request';

function dashboardBasicJson(d: DashboardRecord, teamId: number): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    pinned: d.pinned,
    created_at: d.createdAt,
    created_by: userJson(d.createdBy),
    last_accessed_at: d.lastAccessedAt,
    is_shared: false,
    deleted: d.deleted,
    creation_mode: 'default',
    tags: d.tags,
    restriction_level: 21,
    effective_restriction_level: 21,
    effective_privilege_level: 37,
    user_access_level: 'editor',
    access_control_version: 'v1',
    team_id: teamId,
  };
}

interface TileChange {
  readonly id?: number;
  readonly layouts?: Record<string, unknown>;
  readonly color?: string | null;
  readonly body?: string;
  readonly insight?: number;
  readonly deleted?: boolean;
}

/** The `tiles` of a dashboard PATCH; 400 naming `tiles[i].field`. */
function tileChanges(value: unknown): TileChange[] {
  if (!Array.isArray(value)) throw new BadRequestError('invalid_input', 'tiles must be a list.', 'tiles');
  return value.map((raw, i) => {
    const at = (field: string) => `tiles[${i}]${field ? `.${field}` : ''}`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestError('invalid_input', `${at('')} must be an object.`, at(''));
    const tile = raw as Record<string, unknown>;
    const check = <T>(read: () => T, field: string): T => {
      try {
        return read();
      } catch (error) {
        throw error instanceof BadRequestError ? new BadRequestError(error.code, error.message.replace(/^\w+/, at(field)), at(field)) : error;
      }
    };
    if (tile.id !== undefined && (!Number.isInteger(tile.id) || (tile.id as number) <= 0)) throw new BadRequestError('invalid_input', `${at('id')} must be a tile id.`, at('id'));
    const text = check(() => objectField(tile, 'text', { nullable: true }), 'text');
    const body = text ? check(() => stringField(text, 'body', { max: 4000 }), 'text.body') : undefined;
    const insightRaw = tile.insight && typeof tile.insight === 'object' ? (tile.insight as { id?: unknown }).id : tile.insight;
    if (insightRaw !== undefined && insightRaw !== null && (!Number.isInteger(insightRaw) || (insightRaw as number) <= 0)) {
      throw new BadRequestError('invalid_input', `${at('insight')} must be an insight id.`, at('insight'));
    }
    const change: TileChange = {
      id: tile.id as number | undefined,
      layouts: check(() => objectField(tile, 'layouts'), 'layouts') ?? undefined,
      color: check(() => stringField(tile, 'color', { max: 400, nullable: true }), 'color'),
      body: body ?? undefined,
      insight: (insightRaw ?? undefined) as number | undefined,
      deleted: check(() => booleanField(tile, 'deleted'), 'deleted'),
    };
    if (change.id === undefined && change.body === undefined && change.insight === undefined) {
      throw new BadRequestError('invalid_input', `${at('')} needs an id, a text with a body, or an insight.`, at(''));
    }
    return change;
  });
}

/**
 * /api/projects/:id/dashboards/ — list (search, pinned, limit, offset), create, retrieve with
 * tiles (insight results from the cache, or computed with `?refresh=`; the dashboard's filters
 * apply to every insight), update (including `tiles`: layouts, colors, text cards, removal), soft delete.
 */
export function createDashboardsApi(deps: { db: Database; auth: ApiAuthenticator; queries: QueryService }) {
  const { db, auth } = deps;

  function fieldsOf(body: Record<string, unknown>, current?: DashboardRecord): DashboardFields {
    return {
      name: body.name === undefined ? (current?.name ?? null) : (stringField(body, 'name', { max: 400, nullable: true }) ?? null),
      description: stringField(body, 'description', { nullable: true }) ?? current?.description ?? '',
      pinned: booleanField(body, 'pinned') ?? current?.pinned ?? false,
      filters: objectField(body, 'filters') ?? current?.filters ?? {},
      variables: objectField(body, 'variables') ?? current?.variables ?? {},
      tags: tagsField(body) ?? current?.tags ?? [],
      deleted: booleanField(body, 'deleted') ?? current?.deleted ?? false,
    };
  }

  async function applyTiles(tx: Sql, team: Team, caller: ApiCaller, dashboardId: number, changes: readonly TileChange[]): Promise<void> {
    const insights = await findInsights(tx, team.id, changes.flatMap((c) => (c.insight !== undefined ? [c.insight] : [])));
    for (const [i, change] of changes.entries()) {
      if (change.id !== undefined) {
        const found = await updateTile(tx, dashboardId, change.id, change, caller.user.id);
        if (!found) throw new BadRequestError('invalid_input', `Tile ${change.id} is not on this dashboard.`, `tiles[${i}].id`);
      } else if (change.insight !== undefined) {
        const insight = insights.get(change.insight);
        if (!insight || insight.deleted) throw new BadRequestError('invalid_input', `Insight ${change.insight} does not exist in this project.`, `tiles[${i}].insight`);
        await insertInsightTile(tx, dashboardId, insight.id, change.layouts ?? {}, change.color ?? null);
      } else {
        await insertTextTile(tx, team.id, dashboardId, { body: change.body!, layouts: change.layouts ?? {}, color: change.color ?? null }, caller.user.id);
      }
    }
  }

  async function tileJson(team: Team, effective: Record<'filters' | 'variables', Record<string, unknown>>, tiles: readonly TileRecord[], mode: RefreshMode): Promise<Record<string, unknown>[]> {
    const insights = await findInsights(db, team.id, tiles.flatMap((t) => (t.insightId !== null ? [t.insightId] : [])));
    const scope = await queryScopeOf(db, team);
    const out: Record<string, unknown>[] = [];
    for (const tile of tiles) {
      const insight = tile.insightId === null ? undefined : insights.get(tile.insightId);
      if (tile.insightId !== null && (!insight || insight.deleted)) continue;
      const own = insight ? effectiveQuery(insight) : null; // a legacy insight computes what its filters describe
      const result = insight ? await insightResult(deps, scope, insight, mode, own && withVariables(withDashboardFilters(own, effective.filters), effective.variables)) : undefined;
      out.push({
        id: tile.id,
        layouts: tile.layouts,
        color: tile.color,
        insight: insight ? insightJson(insight, result!) : null,
        text: tile.text && { id: tile.text.id, body: tile.text.body, created_by: userJson(tile.text.createdBy), last_modified_at: tile.text.lastModifiedAt, last_modified_by: null, team: team.id },
        deleted: false,
        is_cached: result?.is_cached ?? false,
        last_refresh: result?.last_refresh ?? null,
        order: null,
        filters_overrides: {},
      });
    }
    return out;
  }

  /**
   * `override`: PostHog's `filters_override` and `variables_override`, applied to the tiles over
   * the dashboard's own and shown as `filters` and `variables` (not saved).
   */
  async function fullJson(team: Team, dashboard: DashboardRecord, mode: RefreshMode, override: { filters?: Record<string, unknown>; variables?: Record<string, unknown> } = {}): Promise<Record<string, unknown>> {
    const filters = override.filters ? { ...dashboard.filters, ...override.filters } : dashboard.filters;
    const variables = mergeVariables(dashboard.variables, override.variables);
    return {
      ...dashboardBasicJson(dashboard, team.id),
      filters,
      persisted_filters: dashboard.filters,
      variables,
      persisted_variables: dashboard.variables,
      breakdown_colors: [],
      data_color_theme_id: null,
      tiles: await tileJson(team, { filters, variables }, await listTiles(db, dashboard.id), mode),
    };
  }

  async function save(team: Team, caller: ApiCaller, body: Record<string, unknown>, current?: DashboardRecord): Promise<DashboardRecord> {
    const fields = fieldsOf(body, current);
    const changes = body.tiles === undefined ? [] : tileChanges(body.tiles);
    const id = await db.transaction(async (tx) => {
      const saved = current ? (await updateDashboard(tx, team.id, current.id, fields), current.id) : (await insertDashboard(tx, team.id, fields, caller.user.id)).id;
      await applyTiles(tx, team, caller, saved, changes);
      return saved;
    });
    return (await findDashboard(db, team.id, id))!;
  }

  return {
    async list(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'dashboard:read');
      const page = pageParams(req);
      const { count, dashboards } = await listDashboards(db, team.id, { ...page, search: req.query.get('search') || undefined, pinned: booleanParam(req.query, 'pinned') });
      return json(200, { count, ...pageLinks(req, page, count), results: dashboards.map((d) => dashboardBasicJson(d, team.id)) });
    },

    async create(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'dashboard:write');
      const dashboard = await save(team, caller, parseJsonBody(req));
      return json(201, await fullJson(team, dashboard, 'force_cache'));
    },

    async retrieve(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'dashboard:read');
      const dashboard = await findDashboard(db, team.id, idParam(req, 'dashboardId'));
      if (!dashboard || dashboard.deleted) throw new NotFoundError();
      const mode = refreshModeOf(req.query.get('refresh') ?? undefined, undefined, 'force_cache');
      const override = { filters: filtersOverrideParam(req.query), variables: variablesOverrideParam(req.query) };
      await touchDashboard(db, dashboard.id);
      return json(200, await fullJson(team, dashboard, mode, override));
    },

    async update(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'dashboard:write');
      const current = await findDashboard(db, team.id, idParam(req, 'dashboardId'));
      if (!current) throw new NotFoundError();
      const dashboard = await save(team, caller, parseJsonBody(req), current);
      return json(200, await fullJson(team, dashboard, 'force_cache'));
    },

    /** DELETE: a soft delete, as PATCH {"deleted": true}. */
    async destroy(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'dashboard:write');
      const current = await findDashboard(db, team.id, idParam(req, 'dashboardId'));
      if (!current) throw new NotFoundError();
      if (!current.deleted) await save(team, caller, { deleted: true }, current);
      return { status: 204 };
    },
  };
}
