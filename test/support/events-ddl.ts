import { EVENTS, MATERIALIZED_EVENT_PROPERTIES, singleNodeDdl } from '../../lib/clickhouse/schema';

/** The `events` columns computed from `properties`, and the extraction of its own each stands for. */
export const COLUMNS_FROM_PROPERTIES: readonly { readonly column: string; readonly own: string }[] = [
  ...['$group_0', '$group_1', '$group_2', '$group_3', '$group_4', '$session_id', '$window_id'].map((k) => ({ column: k, own: `JSONExtractString(properties, '${k}')` })),
  ...[...MATERIALIZED_EVENT_PROPERTIES].map((k) => ({ column: `mat_${k}`, own: `JSONExtract(properties, '${k}', 'Nullable(String)')` })),
];

/**
 * CREATE TABLE for an `events` table named `name` whose computed columns each parse `properties`
 * with an extraction of their own: the shape tables had before migration 6, and the baseline of
 * the insert benchmark.
 */
export function eventsDdlWithOwnExtractions(name: string): string {
  return singleNodeDdl({ ...EVENTS, name })
    .split('\n')
    .map((line) => {
      if (!line.includes('MATERIALIZED tupleElement(')) return line;
      const computed = COLUMNS_FROM_PROPERTIES.find((c) => line.trimStart().startsWith(`\`${c.column}\` `));
      if (!computed) throw new Error(`unknown computed column: ${line}`);
      return line.replace(/MATERIALIZED tupleElement\(.*\)(,?)$/, `MATERIALIZED ${computed.own}$1`);
    })
    .join('\n');
}
