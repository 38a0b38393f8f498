import { createPersonalApiKey, createTeam, type Team } from '../accounts/accounts-repository';
import { publishTeamToken } from '../accounts/token-directory';
import { BadRequestError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import type { Database } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { resolveProject, requireScope, teamsOf, type ApiAuthenticator } from './auth';
import { createProjectUpdate, type ProjectSettingsSection } from './project-settings';
import { parseJsonBody } from './request';

export interface ProjectsApiDeps {
  readonly db: Database;
  readonly kv: KeyValueStore;
  readonly auth: ApiAuthenticator;
  /** The settings sections a project shows and PATCH changes (project-settings.ts). @default none */
  readonly settings?: readonly ProjectSettingsSection[];
}

/** A project as PostHog's API shows it. */
export function projectJson(team: Team): Record<string, unknown> {
  return {
    id: team.id,
    uuid: team.uuid,
    organization: team.organizationId,
    api_token: team.apiToken,
    name: team.name,
    timezone: team.timezone,
    test_account_filters: team.testAccountFilters,
    created_at: team.createdAt,
    is_demo: false,
    access_control: false,
  };
}

export function createProjectsApi(deps: ProjectsApiDeps) {
  const sections = deps.settings ?? [];
  /** The project with every section's settings. */
  const full = async (team: Team) => {
    let shown = projectJson(team);
    for (const section of sections) shown = { ...shown, ...(await section.read(team)) };
    return shown;
  };
  return {
    update: createProjectUpdate({ db: deps.db, auth: deps.auth, sections, view: projectJson }),

    async list(req: HttpRequest): Promise<HttpResponse> {
      const caller = await deps.auth.authenticate(req);
      requireScope(caller, 'project:read');
      const teams = await teamsOf(deps.db, caller);
      return json(200, { count: teams.length, next: null, previous: null, results: teams.map(projectJson) });
    },

    async get(req: HttpRequest): Promise<HttpResponse> {
      const caller = await deps.auth.authenticate(req);
      requireScope(caller, 'project:read');
      return json(200, await full(await resolveProject(deps.db, caller, req.params?.id)));
    },

    async create(req: HttpRequest): Promise<HttpResponse> {
      const caller = await deps.auth.authenticate(req);
      requireScope(caller, 'project:write');
      const body = parseJsonBody(req);
      const name = body.name ?? 'Default project';
      if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
        throw new BadRequestError('invalid_input', 'name must be a non-empty string of at most 200 characters.');
      }
      const team = await createTeam(deps.db, { organizationId: caller.user.organizationId, name: name.trim() });
      await publishTeamToken(deps.kv, team);
      return json(201, projectJson(team));
    },

    async createPersonalApiKey(req: HttpRequest): Promise<HttpResponse> {
      const caller = await deps.auth.authenticate(req);
      requireScope(caller, 'personal_api_key:write');
      const body = parseJsonBody(req);
      if (typeof body.label !== 'string' || body.label.trim() === '' || body.label.length > 40) {
        throw new BadRequestError('invalid_input', 'label must be a non-empty string of at most 40 characters.');
      }
      const scopes = body.scopes ?? ['*'];
      if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => typeof s === 'string' && /^(\*|[a-z_]+:(read|write))$/.test(s))) {
        throw new BadRequestError('invalid_input', 'scopes must be a non-empty list like ["*"] or ["event:read"].');
      }
      let scopedTeams: number[] | null = null;
      if (body.scoped_teams !== undefined && body.scoped_teams !== null) {
        const allowed = new Set((await teamsOf(deps.db, caller)).map((t) => t.id));
        if (!Array.isArray(body.scoped_teams) || !body.scoped_teams.every((t) => Number.isInteger(t) && allowed.has(t as number))) {
          throw new BadRequestError('invalid_input', 'scoped_teams must list ids of projects you can access.');
        }
        scopedTeams = body.scoped_teams as number[];
      }
      // A key never grants more than the key that creates it.
      if (caller.key.scopedTeams && !scopedTeams) scopedTeams = caller.key.scopedTeams;
      if (!caller.key.scopes.includes('*') && !(scopes as string[]).every((s) => caller.key.scopes.includes(s))) {
        throw new BadRequestError('invalid_input', 'scopes cannot exceed those of the key making the request.');
      }
      const { key, value } = await createPersonalApiKey(deps.db, { userId: caller.user.id, label: body.label.trim(), scopes: scopes as string[], scopedTeams });
      return json(201, {
        id: key.id,
        label: key.label,
        value,
        mask_value: key.maskValue,
        scopes: key.scopes,
        scoped_teams: key.scopedTeams,
        scoped_organizations: null,
        created_at: key.createdAt,
        last_used_at: null,
      });
    },
  };
}
