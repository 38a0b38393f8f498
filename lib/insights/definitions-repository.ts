/**
 * Event and property definitions, computed from what ingestion put in ClickHouse (the events
 * table of one team) rather than kept in Postgres: event names with first/last seen and 30-day
 * volume; property names of `properties`, `person_properties` or `groupN_properties` with their
 * inferred type. Results are cached per team (shared cache) for a short while.
 */
import { v5 as uuidv5 } from 'uuid';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Cache } from '../ports/cache';
import { limitedStore } from '../query/query-service';
import { DEFAULT_QUERY_LIMITS } from '../query/types';

export const PROPERTY_TYPES = ['String', 'Numeric', 'Boolean', 'DateTime'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

export interface EventDefinition {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly volume30Day: number;
}

export interface PropertyDefinition {
  readonly id: string;
  readonly name: string;
  readonly propertyType: PropertyType | null;
  /** For event properties: the events it was seen on (up to 1000). */
  readonly events: readonly string[];
}

export type PropertySource = { readonly type: 'event' } | { readonly type: 'person' } | { readonly type: 'group'; readonly groupTypeIndex: number };

/** Properties PostHog never makes definitions of (they are instructions, not properties). */
const SKIPPED = new Set(['$set', '$set_once', '$unset', '$groups', '$group_0', '$group_1', '$group_2', '$group_3', '$group_4']);
const NAMESPACE = '6f1c1f1e-7d55-4f0a-9b8e-2a7b8f0e4c11';
const ISO_DATETIME = '^\\d{4}-\\d{2}-\\d{2}([ T]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$';
const CACHE_SECONDS = 60;
const MAX_DEFINITIONS = 10_000;

const idOf = (teamId: number, kind: string, name: string) => uuidv5(`${teamId}:${kind}:${name}`, NAMESPACE);

function columnOf(source: PropertySource): string {
  if (source.type === 'event') return 'properties';
  if (source.type === 'person') return 'person_properties';
  if (!Number.isInteger(source.groupTypeIndex) || source.groupTypeIndex < 0 || source.groupTypeIndex > 4) throw new RangeError('group type index must be 0–4');
  return `group${source.groupTypeIndex}_properties`;
}

function kindOf(source: PropertySource): string {
  return source.type === 'group' ? `group${source.groupTypeIndex}` : source.type;
}

/** The type a property's values mostly have: JSON booleans, numbers, ISO date strings or other strings. */
function inferType(counts: readonly { type: string; n: number; dates: number }[]): PropertyType | null {
  const tally = new Map<PropertyType, number>();
  for (const { type, n, dates } of counts) {
    const as: PropertyType | undefined =
      type === 'Bool' ? 'Boolean' : type === 'Int64' || type === 'UInt64' || type === 'Double' ? 'Numeric' : type === 'String' ? (dates === n ? 'DateTime' : 'String') : undefined;
    if (as) tally.set(as, (tally.get(as) ?? 0) + n);
  }
  let best: PropertyType | null = null;
  for (const [type, n] of tally) if (best === null || n > tally.get(best)!) best = type;
  return best;
}

export class DefinitionsRepository {
  constructor(
    private readonly store: AnalyticsStore,
    private readonly cache: Cache,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async eventDefinitions(teamId: number): Promise<EventDefinition[]> {
    return this.cached(`definitions:${teamId}:events`, async () => {
      const rows = await this.limited().query<{ name: string; first_seen: string; last_seen: string; volume: string | number }>(
        `SELECT event AS name, min(timestamp) AS first_seen, max(timestamp) AS last_seen,
                countIf(timestamp >= {since:DateTime64(6, 'UTC')}) AS volume
           FROM events WHERE team_id = {team:Int64} AND event != '' GROUP BY event ORDER BY event LIMIT ${MAX_DEFINITIONS}`,
        { params: { team: teamId, since: this.since() } },
      );
      return rows.map((r) => ({
        id: idOf(teamId, 'event', r.name),
        name: r.name,
        createdAt: toIso(r.first_seen),
        lastSeenAt: toIso(r.last_seen),
        volume30Day: Number(r.volume),
      }));
    });
  }

  async propertyDefinitions(teamId: number, source: PropertySource): Promise<PropertyDefinition[]> {
    const column = columnOf(source);
    const kind = kindOf(source);
    return this.cached(`definitions:${teamId}:properties:${kind}`, async () => {
      const rows = await this.limited().query<{ key: string; type: string; n: string | number; dates: string | number; events: string[] }>(
        `SELECT key, toString(JSONType(${column}, key)) AS type, count() AS n,
                countIf(type = 'String' AND match(JSONExtractString(${column}, key), {iso:String})) AS dates,
                groupUniqArray(1000)(event) AS events
           FROM events ARRAY JOIN JSONExtractKeys(${column}) AS key
          WHERE team_id = {team:Int64} AND ${column} != '' AND ${column} != '{}'
          GROUP BY key, type
          LIMIT ${MAX_DEFINITIONS * 4}`,
        { params: { team: teamId, iso: ISO_DATETIME } },
      );
      const byKey = new Map<string, { counts: { type: string; n: number; dates: number }[]; events: Set<string> }>();
      for (const r of rows) {
        if (SKIPPED.has(r.key)) continue;
        const entry = byKey.get(r.key) ?? { counts: [], events: new Set<string>() };
        entry.counts.push({ type: r.type, n: Number(r.n), dates: Number(r.dates) });
        for (const e of r.events) entry.events.add(e);
        byKey.set(r.key, entry);
      }
      return [...byKey.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, MAX_DEFINITIONS)
        .map(([name, { counts, events }]) => ({ id: idOf(teamId, kind, name), name, propertyType: inferType(counts), events: [...events].sort() }));
    });
  }

  private limited(): AnalyticsStore {
    return limitedStore(this.store, { limits: DEFAULT_QUERY_LIMITS });
  }

  private since(): string {
    return new Date(this.now().getTime() - 30 * 86_400_000).toISOString().replace('T', ' ').replace('Z', '');
  }

  private async cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = await this.cache.get(key);
    if (hit !== undefined) return JSON.parse(hit) as T;
    const value = await compute();
    await this.cache.set(key, JSON.stringify(value), CACHE_SECONDS);
    return value;
  }
}

/** ClickHouse DateTime64 text ('2026-01-01 10:00:00.000000', UTC) as ISO 8601. */
function toIso(value: string): string {
  const date = new Date(/Z|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}
