import { MAX_RECORD_BYTES, type BusRecord } from '../ports/bus';

/**
 * The `events_processed` record format: text lines, each a ClickHouse row already serialised as a
 * JSONEachRow line, so that the loader inserts them without parsing or re-serialising them.
 *
 *   hedgerow-processed/2
 *   E <team_id> <uuid> <timestamp> <row>     events (tab-separated; the first fields serve deduplication)
 *   P <row>                                  person
 *   D <version> <row>                        person_distinct_id2 (version > 0 also goes to the overrides)
 *   G <row>                                  groups
 *   W <row>                                  ingestion_warnings
 *
 * JSON never contains a raw newline or tab outside strings, and JSON.stringify escapes both
 * inside strings, so lines and fields split safely.
 */
export const PROCESSED_HEADER = 'hedgerow-processed/2';

/** A record's rows, each the UTF-8 bytes of its JSONEachRow line (views into the record). */
export interface ProcessedLines {
  readonly events: { teamId: number; uuid: string; timestamp: string; row: Buffer }[];
  readonly persons: Buffer[];
  readonly distinctIds: { version: number; row: Buffer }[];
  readonly groups: Buffer[];
  readonly warnings: Buffer[];
}

/** Room left for the header and the partition key. */
const BUDGET = MAX_RECORD_BYTES - 4096;

export function eventLine(teamId: number, uuid: string, timestamp: string, row: string): string {
  return `E\t${teamId}\t${uuid}\t${timestamp}\t${row}`;
}

export const personLine = (row: object) => `P\t${JSON.stringify(row)}`;
export const distinctIdLine = (row: { version: number }) => `D\t${row.version}\t${JSON.stringify(row)}`;
export const groupLine = (row: object) => `G\t${JSON.stringify(row)}`;
export const warningLine = (row: object) => `W\t${JSON.stringify(row)}`;

/**
 * Packs lines into records of at most ~1 MB. A line that alone exceeds the limit cannot travel
 * on the bus and is returned as `oversized`.
 */
export function packLines(partitionKey: string, lines: readonly string[]): { records: BusRecord[]; oversized: string[] } {
  const records: BusRecord[] = [];
  const oversized: string[] = [];
  let current: string[] = [];
  let size = 0;
  const flush = () => {
    if (current.length === 0) return;
    records.push({ partitionKey, data: Buffer.from(`${PROCESSED_HEADER}\n${current.join('\n')}`, 'utf8') });
    current = [];
    size = 0;
  };
  for (const line of lines) {
    const bytes = Buffer.byteLength(line) + 1;
    if (bytes > BUDGET) {
      oversized.push(line);
      continue;
    }
    if (size + bytes > BUDGET) flush();
    current.push(line);
    size += bytes;
  }
  flush();
  return { records, oversized };
}

const NEWLINE = 0x0a;
const TAB = 0x09;
const OPEN_BRACE = 0x7b;

/**
 * Splits a record into its rows without decoding them: the loader hands the bytes to ClickHouse
 * as they are. Throws on anything that is not this format.
 */
export function parseProcessedRecord(data: Buffer): ProcessedLines {
  const out: ProcessedLines = { events: [], persons: [], distinctIds: [], groups: [], warnings: [] };
  const headerEnd = data.indexOf(NEWLINE);
  if (data.toString('latin1', 0, headerEnd < 0 ? data.length : headerEnd) !== PROCESSED_HEADER) throw new Error(`not a ${PROCESSED_HEADER} record`);
  if (headerEnd < 0) return out;
  for (let start = headerEnd + 1, i = 1; ; i++) {
    const next = data.indexOf(NEWLINE, start);
    addLine(out, data.subarray(start, next < 0 ? data.length : next), i);
    if (next < 0) return out;
    start = next + 1;
  }
}

function addLine(out: ProcessedLines, line: Buffer, i: number): void {
  switch (String.fromCharCode(line[0] ?? 0)) {
    case 'E': {
      const t1 = line.indexOf(TAB, 2);
      const t2 = t1 < 0 ? -1 : line.indexOf(TAB, t1 + 1);
      const t3 = t2 < 0 ? -1 : line.indexOf(TAB, t2 + 1);
      const team = t1 < 0 ? '' : line.toString('latin1', 2, t1);
      if (t3 < 0 || line[t3 + 1] !== OPEN_BRACE || !/^\d+$/.test(team)) throw new Error(`malformed event line ${i}`);
      out.events.push({ teamId: Number(team), uuid: line.toString('utf8', t1 + 1, t2), timestamp: line.toString('latin1', t2 + 1, t3), row: line.subarray(t3 + 1) });
      return;
    }
    case 'D': {
      const tab = line.indexOf(TAB, 2);
      if (tab < 0) throw new Error(`malformed distinct id line ${i}`);
      out.distinctIds.push({ version: Number(line.toString('latin1', 2, tab)), row: line.subarray(tab + 1) });
      return;
    }
    case 'P':
      out.persons.push(line.subarray(2));
      return;
    case 'G':
      out.groups.push(line.subarray(2));
      return;
    case 'W':
      out.warnings.push(line.subarray(2));
      return;
    default:
      throw new Error(`unknown line kind at line ${i}`);
  }
}
