import { listPersons } from '../clickhouse/person-queries';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import type { DataApiDeps } from './events-api';
import { intParam } from './request';

/** GET /api/projects/:id/persons/ — persons with their distinct ids, optionally by `distinct_id`. */
export function createPersonsApi(deps: DataApiDeps) {
  return async function listPersonsHandler(req: HttpRequest): Promise<HttpResponse> {
    const { team } = await deps.auth.authorizeProject(req, 'person:read');
    const limit = intParam(req, 'limit', 100, 1, 1000);
    const offset = intParam(req, 'offset', 0, 0, 10_000_000);
    const distinctId = req.query.get('distinct_id');
    const persons = await listPersons(deps.store, team.id, {
      distinctIds: distinctId ? [distinctId] : undefined,
      limit: limit + 1,
      offset,
    });
    const page = persons.slice(0, limit);
    let next: string | null = null;
    if (persons.length > limit) {
      const query = new URLSearchParams(req.query);
      query.set('offset', String(offset + limit));
      next = `${req.path}?${query.toString()}`;
    }
    return json(200, {
      next,
      previous: null,
      results: page.map((p) => ({
        id: p.id,
        uuid: p.id,
        name: typeof p.properties.email === 'string' ? p.properties.email : p.distinctIds[0],
        distinct_ids: p.distinctIds,
        properties: p.properties,
        is_identified: p.isIdentified,
        created_at: p.createdAt,
      })),
    });
  };
}
