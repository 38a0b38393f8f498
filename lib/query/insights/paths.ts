/**
 * PathsQuery: the journeys of persons between pages ($pageview → `$current_url`), screens
 * ($screen → `$screen_name`) and custom events (their names), as PostHog's weighted edges
 * `{source: "1_/home", target: "2_/pricing", value, average_conversion_time}`.
 * A person's events are cut into sessions at 30-minute gaps; consecutive repeats collapse;
 * with `startPoint` a path starts at its first visit of it, with `endPoint` it ends at its first
 * visit of it (keeping the last `stepLimit` steps), otherwise it keeps its first `stepLimit`.
 * Items are cleaned before anything else (path-cleaning.ts): the project's path cleaning filters
 * when `pathReplacements` is set, then `localPathCleaningFilters`, then `pathGroupings`.
 * `minEdgeWeight` / `maxEdgeWeight` bound the edges' counts.
 */
import { BadRequestError } from '../../http/errors';
import { rangeCondition, resolveDateRange } from '../filters/date-range';
import { and, type FilterScope, jsonProperty, or } from '../filters/property-filters';
import { baseWhere } from '../filters/series';
import { SqlParams } from '../filters/sql-params';
import type { QueryRunner } from '../types';
import { cleanedPathItem, edgeWeights, pathCleaning } from './path-cleaning';
import { objectField, runSql } from './run-sql';

const SESSION_GAP_MS = 30 * 60 * 1000;
const EVENT_TYPES = ['$pageview', '$screen', 'custom_event'];

export const runPathsQuery: QueryRunner = async (query, ctx) => {
  const params = new SqlParams(ctx.teamId, ctx.timezone);
  const scope: FilterScope = { ctx, params };
  const filter = objectField(query, 'pathsFilter');
  const types = (filter.includeEventTypes as unknown[] | undefined) ?? ['$pageview'];
  if (!Array.isArray(types) || types.length === 0 || types.some((t) => !EVENT_TYPES.includes(String(t)))) {
    throw new BadRequestError('invalid_input', `pathsFilter.includeEventTypes must list some of ${EVENT_TYPES.join(', ')}.`, 'pathsFilter.includeEventTypes');
  }
  const stepLimit = filter.stepLimit ?? 5;
  if (!Number.isInteger(stepLimit) || (stepLimit as number) < 2 || (stepLimit as number) > 20) throw new BadRequestError('invalid_input', 'pathsFilter.stepLimit must be an integer from 2 to 20.', 'pathsFilter.stepLimit');
  const edgeLimit = filter.edgeLimit ?? 50;
  if (!Number.isInteger(edgeLimit) || (edgeLimit as number) < 1) throw new BadRequestError('invalid_input', 'pathsFilter.edgeLimit must be a positive integer.', 'pathsFilter.edgeLimit');
  const excluded = Array.isArray(filter.excludeEvents) ? (filter.excludeEvents as unknown[]).map(String) : [];

  const range = await resolveDateRange(query.dateRange as never, 'day', ctx);
  const kinds = or(
    types.map((t) => (t === '$pageview' ? "event = '$pageview'" : t === '$screen' ? "event = '$screen'" : "NOT startsWith(event, '$')")),
  );
  const raw = `multiIf(event = '$pageview', ifNull(${jsonProperty('properties', '$current_url', params)}, ''), event = '$screen', ifNull(${jsonProperty('properties', '$screen_name', params)}, ''), event)`;
  const item = cleanedPathItem(raw, pathCleaning(filter, ctx.pathCleaningFilters ?? []), params);
  const weights = edgeWeights(filter);
  const where = and([await baseWhere(query, scope), rangeCondition(range, params), kinds]);
  const items = 'arrayMap(x -> x.2, session)';
  let path: string;
  let keep = '1';
  if (typeof filter.startPoint === 'string' && filter.startPoint) {
    const start = params.str(filter.startPoint);
    keep = `has(${items}, ${start})`;
    path = `arraySlice(arraySlice(session, indexOf(${items}, ${start})), 1, ${stepLimit})`;
  } else if (typeof filter.endPoint === 'string' && filter.endPoint) {
    const end = params.str(filter.endPoint);
    keep = `has(${items}, ${end})`;
    path = `arraySlice(arraySlice(session, 1, indexOf(${items}, ${end})), -${stepLimit})`;
  } else {
    path = `arraySlice(session, 1, ${stepLimit})`;
  }
  const sql = `SELECT edge.1 AS source, edge.2 AS target, count() AS value, avg(edge.3) AS average_conversion_time FROM (
  SELECT arrayJoin(arrayMap(j -> (concat(toString(j), '_', path[j].2), concat(toString(j + 1), '_', path[j + 1].2), path[j + 1].1 - path[j].1), range(1, length(path)))) AS edge
  FROM (
    SELECT ${path} AS path FROM (
      SELECT arrayFilter((x, i) -> i = 1 OR x.2 != piece[i - 1].2, piece, arrayEnumerate(piece)) AS session
      FROM (
        SELECT arrayJoin(arraySplit((x, cut) -> cut, evs, arrayMap((x, i) -> i > 1 AND x.1 - evs[i - 1].1 > ${SESSION_GAP_MS}, evs, arrayEnumerate(evs)))) AS piece
        FROM (
          SELECT person_id, arraySort(x -> x.1, groupArray((toUnixTimestamp64Milli(timestamp), ${item}))) AS evs
          FROM events WHERE ${where}${excluded.length ? ` AND ${item} NOT IN ${params.add(excluded, 'Array(String)')}` : ''}
          GROUP BY person_id
        )
      )
    ) WHERE ${keep}
  )
) GROUP BY source, target${weights ? ` HAVING ${weights}` : ''} ORDER BY value DESC, source, target LIMIT ${edgeLimit}`;
  const rows = await runSql<{ source: string; target: string; value: number | string; average_conversion_time: number }>(ctx, sql, params, 'paths');
  return {
    results: rows.map((r) => ({ source: r.source, target: r.target, value: Number(r.value), average_conversion_time: Number(r.average_conversion_time) })),
    timezone: ctx.timezone,
    is_cached: false,
  };
};
