/**
 * Groups as the actors of an ActorsQuery, for insights that aggregate by group: which group type
 * a source counts, and the groups themselves in PostHog's group actor shape (its GroupStrategy):
 * `{id, type: 'group', group_key, group_type_index, created_at, group_properties, properties}`.
 */
import { groupIndex } from '../filters/property-filters';
import type { SeriesNode } from '../filters/series';
import { SqlParams, TEAM_ID } from '../filters/sql-params';
import type { QueryContext } from '../types';
import { runSql } from './run-sql';

const given = (v: unknown) => v !== undefined && v !== null;

/**
 * The group type a trends series counts (PostHog's trends actors): the series' own with math
 * unique_group, else the query's aggregation_group_type_index; null when it counts persons.
 */
export function trendsGroupTypeIndex(node: SeriesNode, source: Record<string, unknown>, field: string): number | null {
  if (node.math === 'unique_group') return groupIndex(node.math_group_type_index, `${field}.math_group_type_index`);
  return queryGroupTypeIndex(source);
}

/** A query's aggregation_group_type_index, checked; null when it aggregates by person. */
export function queryGroupTypeIndex(source: Record<string, unknown>): number | null {
  return given(source.aggregation_group_type_index) ? groupIndex(source.aggregation_group_type_index, 'source.source.aggregation_group_type_index') : null;
}

/** Groups of type `index` by key, from the groups table's latest version of each. */
export async function loadGroups(keys: readonly string[], index: number, ctx: QueryContext): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (keys.length > 0) {
    const params = new SqlParams(ctx.teamId, ctx.timezone);
    const rows = await runSql<{ key: string; properties: string; created_at: string }>(
      ctx,
      `SELECT group_key AS key, argMax(group_properties, version) AS properties, toString(argMax(created_at, version)) AS created_at
       FROM groups WHERE team_id = ${TEAM_ID} AND group_type_index = ${params.add(index, 'UInt8')} AND group_key IN ${params.add(keys, 'Array(String)')}
       GROUP BY group_key`,
      params,
      'actors-groups',
    );
    for (const row of rows) out.set(row.key, groupActor(row.key, index, parseObject(row.properties), `${row.created_at.replace(' ', 'T').slice(0, 23)}Z`));
  }
  // A key seen on events whose group was never identified still is an actor, without properties.
  for (const key of keys) if (!out.has(key)) out.set(key, groupActor(key, index, {}, null));
  return out;
}

function groupActor(key: string, index: number, properties: Record<string, unknown>, createdAt: string | null): Record<string, unknown> {
  return { id: key, type: 'group', group_key: key, group_type_index: index, created_at: createdAt, group_properties: properties, properties };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text || '{}') as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
