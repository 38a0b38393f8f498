import type { Team } from '../accounts/accounts-repository';
import { BadRequestError, NotFoundError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import { booleanParam } from '../insights/fields';
import { DefinitionsRepository, type EventDefinition, type PropertyDefinition, type PropertySource } from '../insights/definitions-repository';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Cache } from '../ports/cache';
import type { ApiAuthenticator } from './auth';
import { pageLinks, pageParams } from './definition-helpers';

function eventJson(d: EventDefinition): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    owner: null,
    description: null,
    tags: [],
    volume_30_day: d.volume30Day,
    query_usage_30_day: null,
    created_at: d.createdAt,
    updated_at: d.lastSeenAt,
    last_seen_at: d.lastSeenAt,
    last_updated_at: d.lastSeenAt,
    verified: false,
    is_action: false,
    post_to_slack: false,
  };
}

function propertyJson(d: PropertyDefinition, source: PropertySource, seen: boolean | null): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    description: null,
    tags: [],
    is_numerical: d.propertyType === 'Numeric',
    property_type: d.propertyType,
    type: source.type === 'event' ? 1 : source.type === 'person' ? 2 : 3,
    group_type_index: source.type === 'group' ? source.groupTypeIndex : null,
    is_seen_on_filtered_events: seen,
    verified: false,
    updated_at: null,
  };
}

/** A list parameter: a JSON list of strings (PostHog's encoding of `event_names`) or a comma-separated list. */
function nameListParam(req: HttpRequest, name: string): string[] | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new BadRequestError('invalid_input', `${name} must be a JSON list of names.`, name);
    }
    if (!Array.isArray(parsed) || parsed.some((e) => typeof e !== 'string')) throw new BadRequestError('invalid_input', `${name} must be a JSON list of names.`, name);
    return parsed as string[];
  }
  return raw.split(',');
}

function sourceOf(req: HttpRequest): PropertySource {
  const type = req.query.get('type') || 'event';
  if (type === 'event' || type === 'person') return { type };
  if (type !== 'group') throw new BadRequestError('invalid_input', 'type must be event, person or group.', 'type');
  const raw = req.query.get('group_type_index');
  const index = Number(raw);
  if (raw === null || raw === '' || !Number.isInteger(index) || index < 0 || index > 4) {
    throw new BadRequestError('invalid_input', 'group_type_index must be an integer from 0 to 4 for group properties.', 'group_type_index');
  }
  return { type, groupTypeIndex: index };
}

const matches = (name: string, search: string | null) => !search || name.toLowerCase().includes(search.toLowerCase());

/**
 * /api/projects/:id/event_definitions/ and /property_definitions/ — what the pickers offer,
 * computed from the team's events in ClickHouse (lib/insights/definitions-repository.ts).
 */
export function createDefinitionsApi(deps: { store: AnalyticsStore; cache: Cache; auth: ApiAuthenticator }) {
  const { auth } = deps;
  const definitions = new DefinitionsRepository(deps.store, deps.cache);

  const project = async (req: HttpRequest, scope: string): Promise<Team> => (await auth.authorizeProject(req, scope)).team;

  return {
    async listEvents(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req, 'event_definition:read');
      const page = pageParams(req);
      const search = req.query.get('search');
      const all = (await definitions.eventDefinitions(team.id)).filter((d) => matches(d.name, search));
      return json(200, { count: all.length, ...pageLinks(req, page, all.length), results: all.slice(page.offset, page.offset + page.limit).map(eventJson) });
    },

    async retrieveEvent(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req, 'event_definition:read');
      const found = (await definitions.eventDefinitions(team.id)).find((d) => d.id === req.params?.definitionId);
      if (!found) throw new NotFoundError();
      return json(200, eventJson(found));
    },

    /** type, group_type_index, search, event_names (+ filter_by_event_names), is_numerical, properties, excluded_properties, limit, offset. */
    async listProperties(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req, 'property_definition:read');
      const page = pageParams(req);
      const source = sourceOf(req);
      const search = req.query.get('search');
      const eventNames = nameListParam(req, 'event_names');
      const excluded = new Set(nameListParam(req, 'excluded_properties') ?? []);
      const onlyOnEvents = booleanParam(req.query, 'filter_by_event_names') ?? false;
      const numerical = booleanParam(req.query, 'is_numerical');
      const names = req.query.get('properties')?.split(',').filter((n) => n !== '');
      let all = (await definitions.propertyDefinitions(team.id, source)).filter(
        (d) => !excluded.has(d.name) && matches(d.name, search) && (numerical === undefined || (d.propertyType === 'Numeric') === numerical) && (!names || names.includes(d.name)),
      );
      const seenOn = (d: PropertyDefinition) => (eventNames && source.type === 'event' ? d.events.some((e) => eventNames.includes(e)) : null);
      if (eventNames && source.type === 'event') {
        all = onlyOnEvents ? all.filter((d) => seenOn(d)) : [...all].sort((a, b) => Number(seenOn(b)) - Number(seenOn(a)));
      }
      const results = all.slice(page.offset, page.offset + page.limit).map((d) => propertyJson(d, source, seenOn(d)));
      return json(200, { count: all.length, ...pageLinks(req, page, all.length), results });
    },

    async retrieveProperty(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req, 'property_definition:read');
      const id = req.params?.definitionId;
      const sources: PropertySource[] = [{ type: 'event' }, { type: 'person' }, ...[0, 1, 2, 3, 4].map((i) => ({ type: 'group' as const, groupTypeIndex: i }))];
      for (const source of sources) {
        const found = (await definitions.propertyDefinitions(team.id, source)).find((d) => d.id === id);
        if (found) return json(200, propertyJson(found, source, null));
      }
      throw new NotFoundError();
    },
  };
}
