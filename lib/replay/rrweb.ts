/** rrweb's event and incremental-source numbers (contract §4.2), as `as const` objects. */

export const EVENT_TYPE = {
  domContentLoaded: 0,
  load: 1,
  fullSnapshot: 2,
  incrementalSnapshot: 3,
  meta: 4,
  custom: 5,
  plugin: 6,
} as const;

export const INCREMENTAL_SOURCE = {
  mutation: 0,
  mouseMove: 1,
  mouseInteraction: 2,
  scroll: 3,
  viewportResize: 4,
  input: 5,
  touchMove: 6,
  mediaInteraction: 7,
  styleSheetRule: 8,
  canvasMutation: 9,
  font: 10,
  log: 11,
  drag: 12,
} as const;

export const MOUSE_INTERACTION = {
  mouseUp: 0,
  mouseDown: 1,
  click: 2,
  contextMenu: 3,
  dblClick: 4,
  focus: 5,
  blur: 6,
  touchStart: 7,
  touchEnd: 9,
} as const;

/** The console plugin posthog-js records with (`consoleLogRecordingEnabled`). */
export const CONSOLE_PLUGIN = 'rrweb/console@1';

/** An rrweb event as it travels: only `type` and `timestamp` are relied on, the rest is opaque. */
export interface RrwebEvent {
  type?: unknown;
  timestamp?: unknown;
  data?: unknown;
  cv?: unknown;
  [key: string]: unknown;
}
