/**
 * Session properties (PostHog's `session` property type, HogQL's `sessions` table), computed from
 * the team's events grouped by `$session_id`: there is no sessions table to keep current, so a
 * session's properties always agree with its events, late ones included.
 *
 * Each property is one aggregate over a session's events. URLs and UTM values are read from the
 * materialized columns where they exist (argMin/argMax skip the NULLs of events without one).
 */
import { MATERIALIZED_EVENT_PROPERTIES, materializedPropertyColumn } from './schema';

export type SessionPropertyType = 'String' | 'Numeric' | 'DateTime' | 'Boolean';

export interface SessionProperty {
  /** The aggregate over one session's events (columns of `events`, unqualified). */
  readonly sql: string;
  readonly type: SessionPropertyType;
}

/** An event property as Nullable(String), from its materialized column when there is one. */
function eventProperty(key: string): string {
  if (MATERIALIZED_EVENT_PROPERTIES.has(key)) return `\`${materializedPropertyColumn(key)}\``;
  return `JSONExtract(properties, '${key.replace(/[\\']/g, '\\$&')}', 'Nullable(String)')`;
}

const first = (key: string): SessionProperty => ({ sql: `argMin(${eventProperty(key)}, timestamp)`, type: 'String' });
const last = (key: string): SessionProperty => ({ sql: `argMax(${eventProperty(key)}, timestamp)`, type: 'String' });
const count = (event: string): SessionProperty => ({ sql: `countIf(event = '${event}')`, type: 'Numeric' });

const DURATION = "dateDiff('second', min(timestamp), max(timestamp))";

export const SESSION_PROPERTIES: Readonly<Record<string, SessionProperty>> = {
  $start_timestamp: { sql: 'min(timestamp)', type: 'DateTime' },
  $end_timestamp: { sql: 'max(timestamp)', type: 'DateTime' },
  $session_duration: { sql: DURATION, type: 'Numeric' },
  $entry_current_url: first('$current_url'),
  $entry_pathname: first('$pathname'),
  $entry_hostname: first('$host'),
  $end_current_url: last('$current_url'),
  $end_pathname: last('$pathname'),
  $end_hostname: last('$host'),
  $exit_current_url: last('$current_url'),
  $exit_pathname: last('$pathname'),
  $entry_referring_domain: first('$referring_domain'),
  $entry_utm_source: first('utm_source'),
  $entry_utm_medium: first('utm_medium'),
  $entry_utm_campaign: first('utm_campaign'),
  $entry_utm_term: first('utm_term'),
  $entry_utm_content: first('utm_content'),
  $entry_gclid: first('gclid'),
  $pageview_count: count('$pageview'),
  $autocapture_count: count('$autocapture'),
  $screen_count: count('$screen'),
  $num_uniq_urls: { sql: `uniqExact(${eventProperty('$current_url')})`, type: 'Numeric' },
  // PostHog's bounce: a session with pageviews that has one of them, no autocapture and lasts under 10 s.
  $is_bounce: {
    sql: `if(countIf(event = '$pageview') = 0, NULL, toBool(NOT (countIf(event = '$pageview') > 1 OR countIf(event = '$autocapture') > 0 OR ${DURATION} >= 10)))`,
    type: 'Boolean',
  },
};

export const isSessionProperty = (key: string): boolean => Object.prototype.hasOwnProperty.call(SESSION_PROPERTIES, key);

/**
 * The sessions of one team (`teamSql`: a literal or a bound parameter) with the named properties
 * as columns (backquoted names) plus `session_id` and `distinct_id`.
 */
export function sessionsSubquery(teamSql: string, keys: readonly string[] = Object.keys(SESSION_PROPERTIES), sample = ''): string {
  const columns = keys.map((k) => `${SESSION_PROPERTIES[k].sql} AS \`${k}\``);
  return (
    `SELECT \`$session_id\` AS session_id, any(distinct_id) AS distinct_id${columns.map((c) => `, ${c}`).join('')} ` +
    `FROM events${sample} WHERE team_id = ${teamSql} AND \`$session_id\` != '' GROUP BY \`$session_id\``
  );
}
