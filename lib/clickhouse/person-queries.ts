import type { AnalyticsStore } from '../ports/analytics-store';
import { fromClickHouseTime } from './time';

/** A person as ClickHouse currently resolves it (latest version, not deleted). */
export interface PersonView {
  readonly id: string;
  readonly properties: Record<string, unknown>;
  readonly isIdentified: boolean;
  readonly createdAt: string;
  readonly distinctIds: string[];
}

/** Current distinct id → person mapping of a team (argMax over versions, deleted rows dropped). */
const DISTINCT_IDS = `
  SELECT distinct_id, argMax(person_id, version) AS person_id
    FROM person_distinct_id2 WHERE team_id = {team:Int64}
   GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0`;

const PERSONS = `
  SELECT id, argMax(properties, version) AS properties, argMax(is_identified, version) AS is_identified, min(created_at) AS created_at
    FROM person WHERE team_id = {team:Int64}
   GROUP BY id HAVING argMax(is_deleted, version) = 0`;

interface Row {
  id: string;
  properties: string;
  is_identified: number;
  created_at: string;
  distinct_ids: string[];
}

const toView = (r: Row): PersonView => ({
  id: r.id,
  properties: JSON.parse(r.properties || '{}') as Record<string, unknown>,
  isIdentified: Number(r.is_identified) === 1,
  createdAt: fromClickHouseTime(r.created_at),
  distinctIds: [...r.distinct_ids].sort(),
});

/** Persons of a team, newest first; optionally only those owning one of `distinctIds`. */
export async function listPersons(
  store: AnalyticsStore,
  teamId: number,
  options: { distinctIds?: readonly string[]; limit: number; offset: number },
): Promise<PersonView[]> {
  const filter = options.distinctIds === undefined ? '' : 'WHERE p.id IN (SELECT person_id FROM pdi WHERE distinct_id IN {ids:Array(String)})';
  const rows = await store.query<Row>(
    `WITH pdi AS (${DISTINCT_IDS})
     SELECT toString(p.id) AS id, any(p.properties) AS properties, any(p.is_identified) AS is_identified,
            any(p.created_at) AS created_at, groupArray(pdi.distinct_id) AS distinct_ids
       FROM (${PERSONS}) AS p INNER JOIN pdi ON pdi.person_id = p.id
       ${filter}
      GROUP BY p.id
      ORDER BY created_at DESC, id
      LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { params: { team: teamId, ids: options.distinctIds ?? [], limit: options.limit, offset: options.offset } },
  );
  return rows.map(toView);
}

/** The current person of each given distinct id. */
export async function personsByDistinctIds(store: AnalyticsStore, teamId: number, distinctIds: readonly string[]): Promise<Map<string, PersonView>> {
  const out = new Map<string, PersonView>();
  if (distinctIds.length === 0) return out;
  const persons = await listPersons(store, teamId, { distinctIds, limit: distinctIds.length, offset: 0 });
  for (const person of persons) for (const id of person.distinctIds) out.set(id, person);
  return out;
}
