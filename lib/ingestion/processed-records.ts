import { MAX_RECORD_BYTES, type BusRecord } from '../ports/bus';
import type { ProcessedRecord } from './records';

type Kind = Exclude<keyof ProcessedRecord, 'v'>;
const KINDS: readonly Kind[] = ['events', 'persons', 'distinct_ids', 'groups', 'warnings'];
/** Room left for the envelope and the partition key. */
const BUDGET = MAX_RECORD_BYTES - 4096;

/**
 * Packs rows into `events_processed` records of at most ~1 MB, serialising each row once.
 * A row that alone exceeds the limit cannot travel on the bus and is returned as `oversized`.
 */
export function packProcessedRecords(
  partitionKey: string,
  rows: { readonly [K in Kind]?: readonly object[] },
): { records: BusRecord[]; oversized: { kind: Kind; row: object }[] } {
  const records: BusRecord[] = [];
  const oversized: { kind: Kind; row: object }[] = [];
  let parts: Record<Kind, string[]> = { events: [], persons: [], distinct_ids: [], groups: [], warnings: [] };
  let size = 0;
  const flush = () => {
    if (size === 0) return;
    const body = `{"v":1,${KINDS.map((k) => `"${k}":[${parts[k].join(',')}]`).join(',')}}`;
    records.push({ partitionKey, data: Buffer.from(body, 'utf8') });
    parts = { events: [], persons: [], distinct_ids: [], groups: [], warnings: [] };
    size = 0;
  };
  for (const kind of KINDS) {
    for (const row of rows[kind] ?? []) {
      const json = JSON.stringify(row);
      const bytes = Buffer.byteLength(json) + 1;
      if (bytes > BUDGET) {
        oversized.push({ kind, row });
        continue;
      }
      if (size + bytes > BUDGET) flush();
      parts[kind].push(json);
      size += bytes;
    }
  }
  flush();
  return { records, oversized };
}
