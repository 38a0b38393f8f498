/**
 * PATCH /api/projects/:id/ (and /api/environments/:id/): the project settings a PostHog user
 * changes through the API. The settings come in sections, each owning some fields: the general
 * ones here (name, timezone, test_account_filters, path_cleaning_filters), the session replay ones in
 * replay-project-settings.ts. A field no section owns is refused with a 400 naming it.
 */
import { updateTeamSettings, type Team } from '../accounts/accounts-repository';
import { BadRequestError, describeValue, NotFoundError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import type { Sql } from '../ports/database';
import type { ApiAuthenticator } from './auth';
import { parseJsonBody } from './request';

export interface ProjectSettingsSection {
  /** The PATCH fields this section owns. */
  readonly fields: readonly string[];
  /** Throws a 400 naming the field when one of this section's fields of a PATCH is invalid. */
  validate(patch: Record<string, unknown>): void;
  /** Applies this section's fields of a PATCH (possibly none) and answers them as the project shows them. */
  update(team: Team, patch: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** This section's fields of a project, as GET shows them. */
  read(team: Team): Promise<Record<string, unknown>>;
}

/** The filter types a test-account filter may have (those insights can apply). */
const FILTER_TYPES = new Set(['event', 'person', 'group', 'cohort', 'element', 'hogql', 'session', 'event_metadata']);

function validTimezone(value: unknown): value is string {
  if (typeof value !== 'string' || value === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function testAccountFiltersOf(value: unknown): Record<string, unknown>[] {
  const field = 'test_account_filters';
  if (!Array.isArray(value)) throw new BadRequestError('invalid_input', 'Must be a list of property filters.', field);
  if (value.length > 100) throw new BadRequestError('invalid_input', 'At most 100 filters.', field);
  value.forEach((f: unknown, i) => {
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new BadRequestError('invalid_input', `${field}[${i}] must be a property filter.`, field);
    const filter = f as Record<string, unknown>;
    if (typeof filter.type !== 'string' || !FILTER_TYPES.has(filter.type)) {
      throw new BadRequestError('invalid_input', `${field}[${i}].type must be one of ${[...FILTER_TYPES].join(', ')}.`, field);
    }
    if (filter.key === undefined || filter.key === null || filter.key === '') throw new BadRequestError('invalid_input', `${field}[${i}].key is required.`, field);
  });
  return value as Record<string, unknown>[];
}

function pathCleaningFiltersOf(value: unknown): Record<string, unknown>[] {
  const field = 'path_cleaning_filters';
  if (!Array.isArray(value) || value.length > 100) throw new BadRequestError('invalid_input', 'Must be a list of at most 100 {alias, regex}.', field);
  value.forEach((f: unknown, i) => {
    const { alias, regex } = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    if (typeof regex !== 'string' || regex === '' || typeof alias !== 'string') throw new BadRequestError('invalid_input', `${field}[${i}] needs a regex and an alias (strings).`, field);
  });
  return value as Record<string, unknown>[];
}

const GENERAL_FIELDS = ['name', 'timezone', 'test_account_filters', 'path_cleaning_filters'];

/** name, timezone, test_account_filters and path_cleaning_filters, kept on the team row. */
export function generalProjectSettings(db: Sql): ProjectSettingsSection {
  const shown = (team: Team) => ({ name: team.name, timezone: team.timezone, test_account_filters: team.testAccountFilters, path_cleaning_filters: team.pathCleaningFilters });
  return {
    fields: GENERAL_FIELDS,
    validate(patch) {
      const name = patch.name;
      if (name !== undefined && (typeof name !== 'string' || name.trim() === '' || name.length > 200)) {
        throw new BadRequestError('invalid_input', 'Must be a non-empty string of at most 200 characters.', 'name');
      }
      if (patch.timezone !== undefined && !validTimezone(patch.timezone)) throw new BadRequestError('invalid_choice', `"${describeValue(patch.timezone)}" is not a valid time zone.`, 'timezone');
      if (patch.test_account_filters !== undefined) testAccountFiltersOf(patch.test_account_filters);
      if (patch.path_cleaning_filters !== undefined) pathCleaningFiltersOf(patch.path_cleaning_filters);
    },
    async update(team, patch) {
      if (Object.keys(patch).length === 0) return shown(team);
      const updated = await updateTeamSettings(db, team.id, {
        name: typeof patch.name === 'string' ? patch.name.trim() : undefined,
        timezone: patch.timezone as string | undefined,
        testAccountFilters: patch.test_account_filters as Record<string, unknown>[] | undefined,
        pathCleaningFilters: patch.path_cleaning_filters as Record<string, unknown>[] | undefined,
      });
      if (!updated) throw new NotFoundError('Project not found.');
      return shown(updated);
    },
    read: async (team) => shown(team),
  };
}

/** The PATCH handler over the given sections; `view` shows the project (with every section's fields). */
export function createProjectUpdate(deps: {
  readonly db: Sql;
  readonly auth: ApiAuthenticator;
  readonly sections: readonly ProjectSettingsSection[];
  readonly view: (team: Team) => Record<string, unknown>;
}) {
  return async (req: HttpRequest): Promise<HttpResponse> => {
    const { team } = await deps.auth.authorizeProject(req, 'project:write');
    const body = parseJsonBody(req);
    const owner = (field: string) => deps.sections.find((s) => s.fields.includes(field));
    const unknown = Object.keys(body).find((field) => !owner(field));
    if (unknown !== undefined) throw new BadRequestError('invalid_input', `${unknown} cannot be changed through the API.`, unknown);
    const patches = deps.sections.map((section) => Object.fromEntries(Object.entries(body).filter(([field]) => section.fields.includes(field))));
    // Every section checks its fields before any writes, so a bad field changes nothing.
    deps.sections.forEach((section, i) => section.validate(patches[i]));
    let shown: Record<string, unknown> = deps.view(team);
    for (const [i, section] of deps.sections.entries()) shown = { ...shown, ...(await section.update(team, patches[i])) };
    return json(200, shown);
  };
}
