import type { Team } from '../accounts/accounts-repository';
import { listCohorts } from '../flags/cohort-repository';
import { findFlag, insertFlag, listActiveFlags, listFlags, listFlagVersions, updateFlag, type FlagActivity, type FlagRecord } from '../flags/flag-repository';
import { conflictingChanges, validateFlag, type FlagValidationContext } from '../flags/flag-validation';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import { loadGroupTypes } from '../persons/group-repository';
import type { Database, Sql } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import type { ApiAuthenticator, ApiCaller } from './auth';
import { asBadRequest, idParam, lockTeamDefinitions, pageLinks, pageParams } from './definition-helpers';
import { activityJson, fieldsOf, flagJson, versionJson } from './feature-flag-json';
import { parseJsonBody } from './request';

export interface DefinitionsApiDeps {
  readonly db: Database;
  readonly auth: ApiAuthenticator;
  /** Called after every committed write to a team's flags or cohorts (cache invalidation for /flags). */
  readonly onDefinitionsChanged?: (teamId: number) => Promise<void>;
  /** Where static cohort members are projected for /flags on AWS (lib/flags/static-cohort-projection.ts). */
  readonly kv?: KeyValueStore;
}

const KEY_TAKEN = 'There is already a feature flag with this key.';

/**
 * /api/projects/:id/feature_flags/ — PostHog's feature flag REST API: list (limit, offset,
 * search, active), create, retrieve, update (PATCH/PUT, each save a new version), soft delete
 * (PATCH deleted:true or DELETE), and the flag's history (`versions/`, `activity/`).
 */
export function createFeatureFlagsApi(deps: DefinitionsApiDeps) {
  const { db, auth } = deps;

  async function cohortNames(teamId: number): Promise<Map<number, string>> {
    return new Map((await listCohorts(db, teamId)).map((c) => [c.id, c.name]));
  }

  async function validationContext(tx: Sql, teamId: number): Promise<Omit<FlagValidationContext, 'current' | 'partial'>> {
    const flags = await listActiveFlags(tx, teamId);
    const cohorts = await listCohorts(tx, teamId);
    const groupTypes = await loadGroupTypes(tx, teamId);
    return { flags, cohorts: new Map(cohorts.map((c) => [c.id, c])), groupTypeIndexes: new Set(groupTypes.values()) };
  }

  async function changed(teamId: number): Promise<void> {
    await deps.onDefinitionsChanged?.(teamId);
  }

  /** Saves `body` over the flag (PATCH semantics when `partial`); undefined when nothing was saved. */
  async function save(caller: ApiCaller, team: Team, id: number, body: Record<string, unknown>, partial: boolean): Promise<FlagRecord | undefined> {
    return asBadRequest(
      () =>
        db.transaction(async (tx) => {
          await lockTeamDefinitions(tx, team.id);
          const current = await findFlag(tx, team.id, id, { forUpdate: true });
          if (!current) throw new NotFoundError();
          const fields = validateFlag(body, { ...(await validationContext(tx, team.id)), current: fieldsOf(current), partial });
          if (typeof body.version === 'number' && body.version !== current.version) {
            const conflicts = conflictingChanges(fieldsOf(current), fields, Object.keys(body), body.original_flag);
            if (conflicts.length > 0) {
              throw new ConflictError(`The feature flag was updated by ${current.lastModifiedBy?.email ?? 'another user'} since you started editing it. Please refresh and try again.`);
            }
          }
          const activity: FlagActivity = fields.deleted === current.deleted ? 'updated' : fields.deleted ? 'deleted' : 'restored';
          return updateFlag(tx, team.id, id, fields, caller.user.id, activity);
        }),
      'key',
      KEY_TAKEN,
    );
  }

  return {
    async list(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'feature_flag:read');
      const page = pageParams(req);
      const activeParam = req.query.get('active');
      if (activeParam !== null && activeParam !== '' && activeParam !== 'true' && activeParam !== 'false') {
        throw new BadRequestError('invalid_input', 'active must be true or false.', 'active');
      }
      const active = activeParam === 'true' ? true : activeParam === 'false' ? false : undefined;
      const { count, flags } = await listFlags(db, team.id, { ...page, active, search: req.query.get('search') || undefined });
      const names = await cohortNames(team.id);
      return json(200, { count, ...pageLinks(req, page, count), results: flags.map((f) => flagJson(f, names)) });
    },

    async create(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'feature_flag:write');
      const body = parseJsonBody(req);
      const flag = await asBadRequest(
        () =>
          db.transaction(async (tx) => {
            await lockTeamDefinitions(tx, team.id);
            const fields = validateFlag(body, await validationContext(tx, team.id));
            return insertFlag(tx, team.id, fields, caller.user.id);
          }),
        'key',
        KEY_TAKEN,
      );
      await changed(team.id);
      return json(201, flagJson(flag, await cohortNames(team.id)));
    },

    async retrieve(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'feature_flag:read');
      const flag = await findFlag(db, team.id, idParam(req, 'flagId'));
      if (!flag) throw new NotFoundError();
      return json(200, flagJson(flag, await cohortNames(team.id)));
    },

    /** PATCH (partial) and PUT (full: `key` required). */
    async update(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'feature_flag:write');
      const id = idParam(req, 'flagId');
      const flag = await save(caller, team, id, parseJsonBody(req), req.method === 'PATCH');
      await changed(team.id);
      return json(200, flagJson(flag!, await cohortNames(team.id)));
    },

    /** DELETE: a soft delete, as PATCH {"deleted": true}; the key becomes free. */
    async destroy(req: HttpRequest): Promise<HttpResponse> {
      const { caller, team } = await auth.authorizeProject(req, 'feature_flag:write');
      const id = idParam(req, 'flagId');
      const current = await findFlag(db, team.id, id);
      if (!current) throw new NotFoundError();
      if (!current.deleted) {
        await save(caller, team, id, { deleted: true }, true);
        await changed(team.id);
      }
      return { status: 204 };
    },

    /** GET …/feature_flags/:flagId/versions/ — every saved version, newest first, whole. */
    async versions(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'feature_flag:read');
      const id = idParam(req, 'flagId');
      if (!(await findFlag(db, team.id, id))) throw new NotFoundError();
      const page = pageParams(req);
      const { count, versions } = await listFlagVersions(db, team.id, id, page);
      return json(200, { count, ...pageLinks(req, page, count), results: versions.map(versionJson) });
    },

    /** GET …/feature_flags/:flagId/activity/ — PostHog's activity log (`limit`, `page`), changes per save. */
    async activity(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'activity_log:read');
      const id = idParam(req, 'flagId');
      if (!(await findFlag(db, team.id, id))) throw new NotFoundError();
      const limit = pageParams(req, 10).limit;
      const pageNumber = Number(req.query.get('page') ?? '1');
      if (!Number.isInteger(pageNumber) || pageNumber < 1) throw new BadRequestError('invalid_input', 'page must be a positive integer.', 'page');
      // One more than the page, so that the page's oldest entry can be compared with its predecessor.
      const { count, versions } = await listFlagVersions(db, team.id, id, { limit: limit + 1, offset: (pageNumber - 1) * limit });
      const results = versions.slice(0, limit).map((v, i) => activityJson(v, versions[i + 1]));
      const link = (n: number) => {
        const query = new URLSearchParams(req.query);
        query.set('page', String(n));
        query.set('limit', String(limit));
        return `${req.path}?${query.toString()}`;
      };
      return json(200, {
        results,
        next: pageNumber * limit < count ? link(pageNumber + 1) : null,
        previous: pageNumber > 1 ? link(pageNumber - 1) : null,
        total_count: count,
      });
    },
  };
}
