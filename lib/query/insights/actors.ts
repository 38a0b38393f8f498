/**
 * ActorsQuery over an InsightActorsQuery: the persons behind one data point of an insight.
 * - TrendsQuery: `series` (default 0), `day` (a bucket's `days` entry; none = whole range),
 *   `breakdown` (a breakdown value, "other", or a cohort id), `compare`;
 * - FunnelsQuery: `funnelStep` k (k > 0: reached step k; k < 0: reached step |k|-1 but not
 *   |k|), `funnelStepBreakdown` (a breakdown value, or a cohort id: 0 or "all" for all users);
 * - LifecycleQuery: `day` and `status`;
 * - StickinessQuery: `day` = number of intervals; `series`;
 * - RetentionQuery: `interval` = the cohort's row.
 * Without a source: the team's persons, newest first, with `search` (see allPersons).
 * `select` may hold "actor"/"person" and "event_count". Result rows are
 * `[{id, distinct_ids, properties, created_at, is_identified}, event_count?]`, busiest first.
 * A source that aggregates by group (aggregation_group_type_index, or a trends series with math
 * unique_group) lists groups instead, in PostHog's group shape (group-actors.ts); "group" may
 * then name the actor column.
 */
import { BadRequestError, describeValue } from '../../http/errors';
import { BREAKDOWN_OTHER, parseBreakdown } from '../filters/breakdown';
import { bucketIndex, parseInterval, previousRange, rangeCondition, resolveDateRange } from '../filters/date-range';
import { and, cohortMembershipSql, type FilterScope } from '../filters/property-filters';
import { baseWhere, parseSeries, seriesSql } from '../filters/series';
import { SqlParams, TEAM_ID } from '../filters/sql-params';
import type { QueryContext, QueryRunner } from '../types';
import { cohortKey } from './funnel-cohorts';
import { parseFunnel } from './funnels';
import { perActorSql } from './funnel-sql';
import { loadGroups, queryGroupTypeIndex, trendsGroupTypeIndex } from './group-actors';
import { lifecycleSql } from './lifecycle';
import { setupRetention } from './retention';
import { objectField, runSql } from './run-sql';
import { stickinessSql } from './stickiness';
import { mathPlan } from './trends-math';

interface ActorSource {
  readonly params: SqlParams;
  /** SELECT actor (UUID, or a group key), n (events) … */
  readonly sql: string;
  /** The group type the actors are; null or absent: persons. */
  readonly groupTypeIndex?: number | null;
}

const num = (v: unknown, field: string): number => {
  const n = Number(v);
  if (v === null || v === undefined || v === '' || !Number.isInteger(n)) throw new BadRequestError('invalid_input', `${field} must be an integer.`, field);
  return n;
};

async function trendsActors(insight: Record<string, unknown>, source: Record<string, unknown>, ctx: QueryContext): Promise<ActorSource> {
  const params = new SqlParams(ctx.teamId, ctx.timezone);
  const scope: FilterScope = { ctx, params };
  const series = parseSeries(source.series, 'source.source.series');
  const s = insight.series === undefined || insight.series === null ? 0 : num(insight.series, 'source.series');
  if (s < 0 || s >= series.length) throw new BadRequestError('invalid_input', 'source.series is not a series of the query.', 'source.series');
  const interval = parseInterval(source.interval);
  let range = await resolveDateRange(source.dateRange as never, interval, ctx);
  if (insight.compare === 'previous') range = previousRange(range, ctx.timezone, objectField(source, 'compareFilter').compare_to as string | undefined);
  const node = series[s];
  const groupTypeIndex = trendsGroupTypeIndex(node, source, `source.source.series[${s}]`);
  const actor = groupTypeIndex === null ? 'person_id' : `\`$group_${groupTypeIndex}\``;
  const math = mathPlan(node, `source.source.series[${s}]`, params, source.aggregation_group_type_index);
  const parts = [await baseWhere(source, scope), await seriesSql(node, scope, `source.source.series[${s}]`), math.where, rangeCondition(range, params), groupTypeIndex === null ? '1' : `${actor} != ''`];
  const wholeRange = and(parts);
  if (insight.day !== undefined && insight.day !== null) {
    const day = String(insight.day);
    const i = range.days.findIndex((d) => d === day || d === day.slice(0, d.length));
    if (i < 0) throw new BadRequestError('invalid_input', `source.day "${day}" is not a day of the query's range.`, 'source.day');
    parts.push(`${bucketIndex(range, 'timestamp', params, ctx.timezone)} = ${i}`);
  }
  if (insight.breakdown !== undefined && insight.breakdown !== null) {
    const breakdown = await parseBreakdown(source.breakdownFilter, scope);
    if (breakdown.kind === 'none') throw new BadRequestError('invalid_input', 'source.breakdown given but the query has no breakdown.', 'source.breakdown');
    if (breakdown.kind === 'cohort') {
      const id = insight.breakdown === 'all' ? 'all' : num(insight.breakdown, 'source.breakdown');
      parts.push(id === 'all' ? '1' : await cohortMembershipSql(id, scope, 'source.breakdown'));
    } else {
      const values = (Array.isArray(insight.breakdown) ? insight.breakdown : [insight.breakdown]).map(String);
      if (values.includes(BREAKDOWN_OTHER)) {
        // "Other": the values outside the top breakdown_limit, ranked as the trends query ranks them.
        parts.push(`${breakdown.sql} NOT IN (SELECT ${breakdown.sql} AS b0 FROM events WHERE ${wholeRange} GROUP BY b0 ORDER BY ${math.agg} DESC, b0 LIMIT ${breakdown.limit})`);
      } else parts.push(`${breakdown.sql} = ${breakdown.multi ? `toJSONString(${params.add(values, 'Array(String)')})` : params.str(values[0])}`);
    }
  }
  return { params, sql: `SELECT ${actor} AS actor, count() AS n FROM events WHERE ${and(parts)} GROUP BY actor`, groupTypeIndex };
}

async function funnelActors(insight: Record<string, unknown>, source: Record<string, unknown>, ctx: QueryContext): Promise<ActorSource> {
  const funnel = await parseFunnel(source, ctx);
  const n = funnel.series.length;
  const step = num(insight.funnelStep ?? 1, 'source.funnelStep');
  if (step === 0 || Math.abs(step) > n || step === -1) throw new BadRequestError('invalid_input', `source.funnelStep must be 1..${n} (reached) or -2..-${n} (dropped off before).`, 'source.funnelStep');
  const conditions = [step > 0 ? `level >= ${step}` : `level = ${-step - 1}`];
  const value = insight.funnelStepBreakdown;
  if (value !== undefined && value !== null) {
    if (!funnel.spec.breakdown && !funnel.cohorts) throw new BadRequestError('invalid_input', 'source.funnelStepBreakdown given but the funnel has no breakdown.', 'source.funnelStepBreakdown');
    const key = funnel.cohorts ? cohortKey(value, funnel.cohorts) : String(Array.isArray(value) ? value[0] : value);
    conditions.push(`b = ${funnel.params.str(key)}`);
  }
  // A person in several cohorts of a cohort breakdown has one funnel in each: listed once.
  return { params: funnel.params, sql: `SELECT DISTINCT actor, 1 AS n FROM (${perActorSql(funnel.spec)}) WHERE ${conditions.join(' AND ')}`, groupTypeIndex: queryGroupTypeIndex(source) };
}

async function lifecycleActors(insight: Record<string, unknown>, source: Record<string, unknown>, ctx: QueryContext): Promise<ActorSource> {
  const { params, range, perActor, groupTypeIndex } = await lifecycleSql(source, ctx);
  const conditions = ['1'];
  if (insight.status !== undefined && insight.status !== null) conditions.push(`status = ${params.str(String(insight.status))}`);
  if (insight.day !== undefined && insight.day !== null) {
    const i = range.days.indexOf(String(insight.day).slice(0, range.days[0].length));
    if (i < 0) throw new BadRequestError('invalid_input', `source.day "${describeValue(insight.day)}" is not a day of the query's range.`, 'source.day');
    conditions.push(`i = ${i}`);
  }
  return { params, sql: `SELECT actor, count() AS n FROM (${perActor}) WHERE ${conditions.join(' AND ')} GROUP BY actor`, groupTypeIndex };
}

async function stickinessActors(insight: Record<string, unknown>, source: Record<string, unknown>, ctx: QueryContext): Promise<ActorSource> {
  const s = insight.series === undefined || insight.series === null ? 0 : num(insight.series, 'source.series');
  const { params, perActor } = await stickinessSql(source, ctx, s);
  const day = num(insight.day, 'source.day');
  return { params, sql: `SELECT actor, intervals AS n FROM (${perActor}) WHERE intervals = ${day}`, groupTypeIndex: queryGroupTypeIndex(source) };
}

async function retentionActors(insight: Record<string, unknown>, source: Record<string, unknown>, ctx: QueryContext): Promise<ActorSource> {
  const r = await setupRetention(source, ctx);
  const cohort = num(insight.interval ?? 0, 'source.interval');
  return { params: r.params, sql: `SELECT actor, count() AS n FROM (${r.perActorSql}) WHERE start = ${cohort} GROUP BY actor`, groupTypeIndex: queryGroupTypeIndex(source) };
}

const SOURCES: Record<string, (i: Record<string, unknown>, s: Record<string, unknown>, c: QueryContext) => Promise<ActorSource>> = {
  TrendsQuery: trendsActors,
  FunnelsQuery: funnelActors,
  LifecycleQuery: lifecycleActors,
  StickinessQuery: stickinessActors,
  RetentionQuery: retentionActors,
};

/**
 * No source: the team's persons (the persons list), newest first; `search` matches a distinct id,
 * a person uuid, or any text of the person's properties (case-insensitive).
 */
function allPersons(query: Record<string, unknown>, ctx: QueryContext): ActorSource {
  const params = new SqlParams(ctx.teamId, ctx.timezone);
  const search = typeof query.search === 'string' && query.search.trim() !== '' ? params.str(query.search.trim()) : null;
  const matches = search
    ? ` AND (positionCaseInsensitiveUTF8(argMax(properties, version), ${search}) > 0 OR toString(id) = ${search}
        OR id IN (SELECT argMax(person_id, version) FROM person_distinct_id2 WHERE team_id = ${TEAM_ID} AND distinct_id = ${search} GROUP BY distinct_id))`
    : '';
  return {
    params,
    sql: `SELECT id AS actor, toUnixTimestamp64Milli(argMax(created_at, version)) AS n FROM person WHERE team_id = ${TEAM_ID} GROUP BY id HAVING argMax(is_deleted, version) = 0${matches}`,
  };
}

export const runActorsQuery: QueryRunner = async (query, ctx) => {
  const hasSource = query.source !== undefined && query.source !== null;
  const select = (query.select as unknown[] | undefined) ?? ['actor'];
  const columns = hasSource ? ['actor', 'person', 'group', 'event_count'] : ['actor', 'person'];
  if (!Array.isArray(select) || select.some((c) => !columns.includes(String(c)))) throw new BadRequestError('unsupported', `select may hold ${columns.map((c) => `"${c}"`).join(', ')}.`, 'select');
  let build: () => Promise<ActorSource>;
  if (hasSource) {
    const insight = objectField(query, 'source');
    if (insight.kind !== 'InsightActorsQuery' && insight.kind !== 'FunnelsActorsQuery') throw new BadRequestError('invalid_input', 'source must be an InsightActorsQuery.', 'source.kind');
    const source = objectField(insight, 'source');
    const builder = SOURCES[String(source.kind)];
    if (!builder) throw new BadRequestError('unsupported', `source.source.kind must be one of ${Object.keys(SOURCES).join(', ')}.`, 'source.source.kind');
    build = () => builder(insight, source, ctx);
  } else {
    build = async () => allPersons(query, ctx);
  }
  const limit = query.limit === undefined ? 100 : num(query.limit, 'limit');
  const offset = query.offset === undefined ? 0 : num(query.offset, 'offset');
  if (limit < 1 || limit > 10_000 || offset < 0) throw new BadRequestError('invalid_input', 'limit must be 1..10000 and offset ≥ 0.', 'limit');

  const { params, sql, groupTypeIndex } = await build();
  const page = await runSql<{ id: string; n: number | string }>(ctx, `SELECT toString(actor) AS id, sum(n) AS n FROM (${sql}) GROUP BY id ORDER BY n DESC, id LIMIT ${limit + 1} OFFSET ${offset}`, params, 'actors');
  const hasMore = page.length > limit;
  const ids = page.slice(0, limit).map((r) => r.id);
  const actors = groupTypeIndex === undefined || groupTypeIndex === null ? await loadPersons(ids, ctx) : await loadGroups(ids, groupTypeIndex, ctx);
  const results = page.slice(0, limit).map((r) => select.map((c) => (c === 'event_count' ? Number(r.n) : actors.get(r.id))));
  return { results, columns: select, types: select.map((c) => (c === 'event_count' ? 'UInt64' : 'Tuple')), hasMore, limit, offset, missing_actors_count: 0, is_cached: false };
};

/** Persons by uuid: the person table's latest row, else what their latest event saw. */
async function loadPersons(ids: string[], ctx: QueryContext): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (ids.length === 0) return out;
  const params = new SqlParams(ctx.teamId, ctx.timezone);
  // Compared as text: `uuid_column IN {ids:Array(UUID)}` matched nothing on the person table's
  // primary key (chDB 26.7).
  const list = params.add(ids, 'Array(String)');
  const [persons, distinctIds, fromEvents] = await Promise.all([
    runSql<{ id: string; properties: string; created_at: string; is_identified: number }>(
      ctx,
      `SELECT toString(id) AS id, argMax(properties, version) AS properties, toString(argMax(created_at, version)) AS created_at, argMax(is_identified, version) AS is_identified
       FROM person WHERE team_id = ${TEAM_ID} AND toString(id) IN ${list} GROUP BY id HAVING argMax(is_deleted, version) = 0`,
      params,
      'actors-persons',
    ),
    runSql<{ id: string; ids: string[] }>(
      ctx,
      `SELECT toString(pid) AS id, groupArray(distinct_id) AS ids FROM (
         SELECT distinct_id, argMax(person_id, version) AS pid FROM person_distinct_id2 WHERE team_id = ${TEAM_ID} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0
       ) WHERE toString(pid) IN ${list} GROUP BY pid`,
      params,
      'actors-distinct-ids',
    ),
    runSql<{ id: string; properties: string; created_at: string; ids: string[] }>(
      ctx,
      `SELECT toString(person_id) AS id, argMax(person_properties, timestamp) AS properties, toString(min(person_created_at)) AS created_at, groupUniqArray(distinct_id) AS ids
       FROM events WHERE team_id = ${TEAM_ID} AND toString(person_id) IN ${list} GROUP BY person_id`,
      params,
      'actors-events',
    ),
  ]);
  const parse = (text: string) => {
    try {
      return JSON.parse(text || '{}') as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const iso = (t: string) => `${t.replace(' ', 'T').slice(0, 23)}Z`;
  const idMap = new Map(distinctIds.map((d) => [d.id, d.ids]));
  for (const e of fromEvents) out.set(e.id, { id: e.id, distinct_ids: [...e.ids].sort(), properties: parse(e.properties), created_at: iso(e.created_at), is_identified: false });
  for (const p of persons) {
    out.set(p.id, { id: p.id, distinct_ids: [...(idMap.get(p.id) ?? (out.get(p.id)?.distinct_ids as string[]) ?? [])].sort(), properties: parse(p.properties), created_at: iso(p.created_at), is_identified: Number(p.is_identified) === 1 });
  }
  for (const id of ids) if (!out.has(id)) out.set(id, { id, distinct_ids: [], properties: {}, created_at: null, is_identified: false });
  return out;
}
