/**
 * Series nodes (EventsNode, ActionsNode) as SQL conditions on `events`, and the conditions every
 * insight shares (team, test accounts, the query's own properties).
 *
 * Actions: steps are ORed; a step ANDs its event, its URL (`$current_url`, url_matching
 * contains (default) / exact / regex), its element text/href/tag (as element filters) and its
 * properties, and its CSS `selector` matched against `elements_chain` (selector-regex.ts).
 *
 * filterTestAccounts: the project's test-account filters (PATCH of the project), by default
 * PostHog's, dropping events whose `$host` is localhost or 127.0.0.1 (any port).
 */
import { BadRequestError, describeValue } from '../../http/errors';
import type { PropertyFilter } from '../../flags/types';
import { testAccountFiltersOf, type ActionStep } from '../types';
import { operatorSql } from './operators';
import { and, type FilterScope, jsonProperty, or, propertiesSql } from './property-filters';
import { selectorSql } from './selector-regex';
import { TEAM_ID } from './sql-params';
import { lookup } from '../../lookup';

export interface SeriesNode {
  readonly kind: 'EventsNode' | 'ActionsNode';
  readonly event?: string | null;
  readonly id?: number | string;
  readonly name?: string | null;
  readonly custom_name?: string | null;
  readonly math?: string | null;
  readonly math_property?: string | null;
  readonly math_property_type?: string | null;
  readonly math_hogql?: string | null;
  readonly math_group_type_index?: number | null;
  readonly properties?: unknown;
  readonly fixedProperties?: unknown;
}


/** Checks a series list's shape; `field` names it in errors. */
export function parseSeries(value: unknown, field: string, { min = 1 }: { min?: number } = {}): SeriesNode[] {
  if (!Array.isArray(value) || value.length < min) throw new BadRequestError('invalid_input', `${field} must be a list of at least ${min} EventsNode/ActionsNode.`, field);
  return value.map((node, i) => parseSeriesNode(node, `${field}[${i}]`));
}

export function parseSeriesNode(node: unknown, field: string): SeriesNode {
  if (typeof node !== 'object' || node === null) throw new BadRequestError('invalid_input', `${field} must be an EventsNode or ActionsNode.`, field);
  const n = node as SeriesNode;
  if (n.kind === 'EventsNode') {
    if (n.event !== undefined && n.event !== null && typeof n.event !== 'string') throw new BadRequestError('invalid_input', `${field}.event must be a string or null.`, `${field}.event`);
    return n;
  }
  if (n.kind === 'ActionsNode') {
    if (!Number.isInteger(Number(n.id))) throw new BadRequestError('invalid_input', `${field}.id must be an action id.`, `${field}.id`);
    return n;
  }
  throw new BadRequestError('invalid_input', `${field}.kind must be EventsNode or ActionsNode (got ${describeValue((n as { kind?: unknown }).kind)}).`, `${field}.kind`);
}

/** SQL true for the events a series node counts (its event or action, its own properties). */
export async function seriesSql(node: SeriesNode, scope: FilterScope, field: string): Promise<string> {
  const own = and([await propertiesSql(node.properties, scope, `${field}.properties`), await propertiesSql(node.fixedProperties, scope, `${field}.fixedProperties`)]);
  if (node.kind === 'EventsNode') {
    const event = node.event ? `event = ${scope.params.str(node.event)}` : '1';
    return and([event, own]);
  }
  const action = await scope.ctx.loadAction(Number(node.id));
  if (!action) throw new BadRequestError('invalid_input', `${field}.id: action ${describeValue(node.id)} does not exist.`, `${field}.id`);
  const steps = await Promise.all(action.steps.map((step, i) => actionStepSql(step, scope, `${field} (action ${action.id} step ${i})`)));
  return and([or(steps), own]);
}

const MATCHING: Record<string, string> = { exact: 'exact', regex: 'regex', contains: 'icontains' };

async function actionStepSql(step: ActionStep, scope: FilterScope, field: string): Promise<string> {
  const resolveDate = (v: string) => v;
  const parts: string[] = [];
  if (step.event) parts.push(`event = ${scope.params.str(step.event)}`);
  if (step.url) {
    const operator = lookup(MATCHING, step.url_matching ?? 'contains') ?? 'icontains';
    const value = operator === 'icontains' ? step.url : step.url;
    parts.push(operatorSql(jsonProperty('properties', '$current_url', scope.params), { key: '$current_url', operator, value }, scope.params, `${field}.url`, resolveDate));
  }
  const element: PropertyFilter[] = [];
  if (step.text) element.push({ key: 'text', type: 'element', value: step.text, operator: lookup(MATCHING, step.text_matching ?? 'exact') });
  if (step.href) element.push({ key: 'href', type: 'element', value: step.href, operator: lookup(MATCHING, step.href_matching ?? 'exact') });
  if (step.selector) parts.push(selectorSql(step.selector, `${scope.prefix ?? ''}elements_chain`, scope.params, `${field}.selector`));
  if (step.tag_name) element.push({ key: 'tag_name', type: 'element', value: step.tag_name, operator: 'exact' });
  parts.push(await propertiesSql(element, scope, field));
  parts.push(await propertiesSql(step.properties ?? [], scope, `${field}.properties`));
  return and(parts);
}

/** The conditions of every insight query: the team, test accounts, the query's properties. */
export async function baseWhere(query: { properties?: unknown; filterTestAccounts?: unknown }, scope: FilterScope): Promise<string> {
  return and([
    `team_id = ${TEAM_ID}`,
    query.filterTestAccounts === true ? await propertiesSql(testAccountFiltersOf(scope.ctx), scope, 'filterTestAccounts') : '1',
    await propertiesSql(query.properties, scope, 'properties'),
  ]);
}

/** The label PostHog shows for a series: custom name, name, event or action name. */
export async function seriesLabel(node: SeriesNode, scope: FilterScope): Promise<string> {
  if (node.custom_name) return node.custom_name;
  if (node.kind === 'ActionsNode') return node.name ?? (await scope.ctx.loadAction(Number(node.id)))?.name ?? String(node.id);
  return node.name ?? node.event ?? 'All events';
}

/** The `action` object PostHog echoes on each trends result. */
export function actionEcho(node: SeriesNode, order: number, label: string): Record<string, unknown> {
  return {
    id: node.kind === 'ActionsNode' ? Number(node.id) : (node.event ?? null),
    type: node.kind === 'ActionsNode' ? 'actions' : 'events',
    order,
    name: label,
    custom_name: node.custom_name ?? null,
    math: node.math ?? 'total',
    math_property: node.math_property ?? null,
    math_hogql: node.math_hogql ?? null,
    math_group_type_index: node.math_group_type_index ?? null,
    properties: {},
  };
}
