import { personsByDistinctIds } from '../clickhouse/person-queries';
import { fromClickHouseTime, toClickHouseTime } from '../clickhouse/time';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Database } from '../ports/database';
import type { ApiAuthenticator } from './auth';
import { dateParam, intParam } from './request';

export interface DataApiDeps {
  readonly db: Database;
  readonly store: AnalyticsStore;
  readonly auth: ApiAuthenticator;
}

interface EventRowOut {
  id: string;
  distinct_id: string;
  properties: string;
  event: string;
  timestamp: string;
  elements_chain: string;
}

/** GET /api/projects/:id/events/ — newest first, filtered by event, distinct_id, after, before. */
export function createEventsApi(deps: DataApiDeps) {
  return async function listEvents(req: HttpRequest): Promise<HttpResponse> {
    const { team } = await deps.auth.authorizeProject(req, 'query:read');
    const limit = intParam(req, 'limit', 100, 1, 1000);
    const after = dateParam(req, 'after');
    const before = dateParam(req, 'before');
    const event = req.query.get('event') || undefined;
    const distinctId = req.query.get('distinct_id') || undefined;

    const where = ['team_id = {team:Int64}'];
    if (event !== undefined) where.push('event = {event:String}');
    if (distinctId !== undefined) where.push('distinct_id = {distinctId:String}');
    if (after) where.push("timestamp > {after:DateTime64(6, 'UTC')}");
    if (before) where.push("timestamp < {before:DateTime64(6, 'UTC')}");
    const rows = await deps.store.query<EventRowOut>(
      `SELECT toString(uuid) AS id, distinct_id, properties, event, timestamp, elements_chain
         FROM events WHERE ${where.join(' AND ')}
        ORDER BY timestamp DESC, id DESC
        LIMIT 1 BY id
        LIMIT {limit:UInt32}`,
      {
        params: {
          team: team.id,
          event,
          distinctId,
          after: after && toClickHouseTime(after.toISOString()),
          before: before && toClickHouseTime(before.toISOString()),
          limit: limit + 1,
        },
      },
    );
    const page = rows.slice(0, limit);
    const persons = await personsByDistinctIds(deps.store, team.id, [...new Set(page.map((r) => r.distinct_id))]);
    const results = page.map((r) => {
      const person = persons.get(r.distinct_id);
      return {
        id: r.id,
        distinct_id: r.distinct_id,
        properties: JSON.parse(r.properties) as Record<string, unknown>,
        event: r.event,
        timestamp: fromClickHouseTime(r.timestamp),
        person: person ? { is_identified: person.isIdentified, distinct_ids: person.distinctIds, properties: person.properties } : null,
        elements: [],
        elements_chain: r.elements_chain,
      };
    });
    let next: string | null = null;
    if (rows.length > limit) {
      const query = new URLSearchParams(req.query);
      query.set('before', results[results.length - 1].timestamp);
      next = `${req.path}?${query.toString()}`;
    }
    return json(200, { next, results });
  };
}
