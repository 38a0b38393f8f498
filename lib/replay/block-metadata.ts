import { CONSOLE_PLUGIN, EVENT_TYPE, INCREMENTAL_SOURCE, MOUSE_INTERACTION } from './rrweb';

/**
 * What one block says about its session (the per-block row behind `session_replay_events`),
 * computed as PostHog's recording ingestion does: clicks, keypresses, mouse activity, console
 * counts per level, URLs from Meta events (and Custom payloads with an `href`), and active time
 * from its segmenter (activity = user-interaction incremental events; gaps < 5 s stay active).
 */
export interface BlockMetadata {
  /** Epoch ms of the earliest and latest event (a fallback time when no event has a usable one). */
  readonly firstTimestamp: number;
  readonly lastTimestamp: number;
  readonly firstUrl: string | null;
  /** Distinct URLs in time order. */
  readonly urls: string[];
  readonly clickCount: number;
  readonly keypressCount: number;
  readonly mouseActivityCount: number;
  /** Includes the bridge from earlier blocks' activity. */
  readonly activeMilliseconds: number;
  /** Epoch ms of the first and last user-activity event, null without any. */
  readonly firstActiveTimestamp: number | null;
  readonly lastActiveTimestamp: number | null;
  readonly consoleLogCount: number;
  readonly consoleWarnCount: number;
  readonly consoleErrorCount: number;
  readonly eventCount: number;
}

/** Incremental sources that mean the user did something (PostHog's segmenter `activeSources`). */
const ACTIVE_SOURCES: ReadonlySet<unknown> = new Set([
  INCREMENTAL_SOURCE.mouseMove,
  INCREMENTAL_SOURCE.mouseInteraction,
  INCREMENTAL_SOURCE.scroll,
  INCREMENTAL_SOURCE.viewportResize,
  INCREMENTAL_SOURCE.input,
  INCREMENTAL_SOURCE.touchMove,
  INCREMENTAL_SOURCE.mediaInteraction,
  INCREMENTAL_SOURCE.drag,
]);
const CLICK_TYPES: ReadonlySet<unknown> = new Set([MOUSE_INTERACTION.click, MOUSE_INTERACTION.dblClick, MOUSE_INTERACTION.touchEnd, MOUSE_INTERACTION.contextMenu]);
const MOUSE_ACTIVITY_SOURCES: ReadonlySet<unknown> = new Set([INCREMENTAL_SOURCE.mouseInteraction, INCREMENTAL_SOURCE.mouseMove, INCREMENTAL_SOURCE.touchMove]);
const WARN_LEVELS: ReadonlySet<unknown> = new Set(['warn', 'countReset']);
const ERROR_LEVELS: ReadonlySet<unknown> = new Set(['error', 'assert']);

export const ACTIVITY_THRESHOLD_MS = 5000;
/** Timestamps outside [1970, 2200) are client garbage, left out of first/last and activity. */
const MAX_TIMESTAMP_MS = Date.UTC(2200, 0, 1);

type Obj = Record<string, unknown>;
const objectOf = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);

function hrefOf(type: unknown, data: Obj | undefined): string | undefined {
  if (!data) return undefined;
  const href = type === EVENT_TYPE.meta ? data.href : type === EVENT_TYPE.custom ? objectOf(data.payload)?.href : undefined;
  return typeof href === 'string' && href.trim() !== '' ? href.trim() : undefined;
}

/**
 * `earlierActivity`: the last activity (epoch ms) of each block the session already has. Active
 * time runs across block boundaries as it does inside a block: when this block's first activity
 * follows the latest earlier one within 5 s, the gap counts, so the sum over blocks is what the
 * segmenter gives for the whole session.
 */
export function blockMetadata(events: readonly unknown[], fallbackMs: number, earlierActivity: readonly number[] = []): BlockMetadata {
  let clicks = 0;
  let keypresses = 0;
  let mouse = 0;
  let logs = 0;
  let warns = 0;
  let errors = 0;
  const timed: { ts: number; active: boolean; href: string | undefined }[] = [];
  for (const item of events) {
    const event = objectOf(item);
    if (!event) continue;
    const { type } = event;
    const data = objectOf(event.data);
    let active = false;
    if (type === EVENT_TYPE.incrementalSnapshot && data) {
      const source = data.source;
      active = ACTIVE_SOURCES.has(source);
      if (source === INCREMENTAL_SOURCE.mouseInteraction && CLICK_TYPES.has(data.type)) clicks++;
      if (source === INCREMENTAL_SOURCE.input) keypresses++;
      if (MOUSE_ACTIVITY_SOURCES.has(source)) mouse++;
    } else if (type === EVENT_TYPE.plugin && data && data.plugin === CONSOLE_PLUGIN) {
      const level = objectOf(data.payload)?.level;
      if (ERROR_LEVELS.has(level)) errors++;
      else if (WARN_LEVELS.has(level)) warns++;
      else logs++;
    }
    const ts = event.timestamp;
    if (typeof ts === 'number' && Number.isFinite(ts) && ts >= 0 && ts < MAX_TIMESTAMP_MS) timed.push({ ts: Math.floor(ts), active, href: hrefOf(type, data) });
  }
  timed.sort((a, b) => a.ts - b.ts);

  const urls: string[] = [];
  const seen = new Set<string>();
  for (const t of timed) {
    if (t.href !== undefined && !seen.has(t.href)) {
      seen.add(t.href);
      urls.push(t.href);
    }
  }
  const active = timed.filter((t) => t.active);
  const firstActive = active.length ? active[0].ts : null;
  const lastActive = active.length ? active[active.length - 1].ts : null;
  let bridge = 0;
  if (firstActive !== null) {
    let previous = -Infinity;
    for (const t of earlierActivity) if (t <= firstActive && t > previous) previous = t;
    if (firstActive - previous <= ACTIVITY_THRESHOLD_MS) bridge = firstActive - previous;
  }
  return {
    firstTimestamp: timed.length ? timed[0].ts : fallbackMs,
    lastTimestamp: timed.length ? timed[timed.length - 1].ts : fallbackMs,
    firstUrl: urls[0] ?? null,
    urls,
    clickCount: clicks,
    keypressCount: keypresses,
    mouseActivityCount: mouse,
    activeMilliseconds: activeMilliseconds(timed) + bridge,
    firstActiveTimestamp: firstActive,
    lastActiveTimestamp: lastActive,
    consoleLogCount: logs,
    consoleWarnCount: warns,
    consoleErrorCount: errors,
    eventCount: events.length,
  };
}

/**
 * PostHog's segmenter over time-sorted events: a segment starts at the first event, when an
 * active event follows an inactive stretch, or when no active event came for 5 s; active segments
 * count their span (at least 1 ms).
 */
export function activeMilliseconds(sorted: readonly { ts: number; active: boolean }[]): number {
  let total = 0;
  let segment: { start: number; end: number; active: boolean } | undefined;
  let lastActive = 0;
  const close = () => {
    if (segment?.active) total += Math.max(1, segment.end - segment.start);
  };
  for (const e of sorted) {
    let fresh = !segment;
    if (e.active && !segment?.active) fresh = true;
    if (segment?.active && lastActive + ACTIVITY_THRESHOLD_MS < e.ts) fresh = true;
    if (e.active) lastActive = e.ts;
    if (fresh) {
      close();
      segment = { start: e.ts, end: e.ts, active: e.active };
    } else if (segment) {
      segment.end = e.ts;
    }
  }
  close();
  return total;
}
