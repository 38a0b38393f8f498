/**
 * Legacy `events`/`actions` entities as series nodes, after PostHog's filter_to_query: actions
 * then events, sorted by `order` (stable), actions without an id dropped, strings in `events`
 * (templates gone wrong) dropped. Which math an entity keeps depends on the insight: all of it
 * for trends, actor math for stickiness (anything else becomes dau), only first_time_for_user
 * for funnels, none for lifecycle.
 */
import { cleanEntityProperties, compact, type Filters, int, invalid, list, str } from './legacy-values';

export type MathAvailability = 'all' | 'actors_only' | 'funnels_only' | 'none';
type Json = Record<string, unknown>;

const ACTORS_ONLY_MATH = ['dau', 'weekly_active', 'monthly_active', 'unique_group', 'hogql'];
const FUNNELS_MATH = ['first_time_for_user'];

interface Entity {
  readonly type: 'events' | 'actions';
  readonly data: Json;
  /** Where the entity sat in `filters`, for errors. */
  readonly path: string;
}

export function legacyEntities(f: Filters): Entity[] {
  const read = (key: 'actions' | 'events'): Entity[] =>
    list(f, key).flatMap((data, i) => {
      if (key === 'events' && typeof data === 'string') return [];
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid(`${key}[${i}]`, 'must be an entity object.');
      return [{ type: key, data: data as Json, path: `${key}[${i}]` }];
    });
  const orderOf = (e: Entity) => (typeof e.data.order === 'number' && e.data.order !== 0 ? e.data.order : -1);
  return [...read('actions'), ...read('events')].sort((a, b) => orderOf(a) - orderOf(b));
}

/** The node's own id: the event name (null: all events) or the action id. */
function nodeId(e: Entity): Json | undefined {
  const id = e.data.id;
  if (e.type === 'actions') {
    if (id === undefined || id === null) return undefined;
    const n = typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : NaN;
    if (!Number.isInteger(n)) throw invalid(`${e.path}.id`, 'must be an action id.');
    return { kind: 'ActionsNode', id: n };
  }
  if (id !== undefined && id !== null && typeof id !== 'string') throw invalid(`${e.path}.id`, 'must be an event name or null.');
  return { kind: 'EventsNode', event: id ?? null };
}

function math(e: Entity, availability: MathAvailability): Json {
  const m = str(e.data, 'math', `${e.path}.math`);
  if (availability === 'none') return {};
  if (availability === 'funnels_only') return m !== undefined && FUNNELS_MATH.includes(m) ? { math: m } : {};
  if (availability === 'actors_only' && m !== undefined && !ACTORS_ONLY_MATH.includes(m)) return { math: 'dau' };
  return {
    math: m,
    math_property: str(e.data, 'math_property', `${e.path}.math_property`),
    math_hogql: str(e.data, 'math_hogql', `${e.path}.math_hogql`),
    math_group_type_index: int(e.data, 'math_group_type_index', 0, `${e.path}.math_group_type_index`),
  };
}

/** One entity as an EventsNode/ActionsNode; undefined for an action without an id. */
export function entityToNode(e: Entity, availability: MathAvailability, withProperties = true): Json | undefined {
  const id = nodeId(e);
  if (!id) return undefined;
  // `event: null` (all events) is meaningful, so it survives the compaction.
  const node = compact({
    ...id,
    name: str(e.data, 'name', `${e.path}.name`),
    custom_name: str(e.data, 'custom_name', `${e.path}.custom_name`),
    properties: withProperties ? cleanEntityProperties(e.data.properties, `${e.path}.properties`) : undefined,
    ...math(e, availability),
  })!;
  return id.kind === 'EventsNode' ? { ...node, event: id.event } : node;
}

export function legacySeries(f: Filters, availability: MathAvailability): Json[] {
  return legacyEntities(f).flatMap((e): Json[] => {
    const node = entityToNode(e, availability);
    return node ? [node] : [];
  });
}

/** Funnel exclusions: entities without properties or math, with their step range. */
export function legacyExclusions(f: Filters): Json[] {
  return list(f, 'exclusions').flatMap((data, i) => {
    const path = `exclusions[${i}]`;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid(path, 'must be an entity object.');
    const d = data as Json;
    const node = entityToNode({ type: d.type === 'actions' ? 'actions' : 'events', data: d, path }, 'none', false);
    if (!node) return [];
    return [{ ...node, ...compact({ funnelFromStep: int(d, 'funnel_from_step', 0, `${path}.funnel_from_step`), funnelToStep: int(d, 'funnel_to_step', 0, `${path}.funnel_to_step`) }) }];
  });
}
