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

export interface ProcessedLines {
  readonly events: { teamId: number; uuid: string; timestamp: string; row: string }[];
  readonly persons: string[];
  readonly distinctIds: { version: number; row: string }[];
  readonly groups: string[];
  readonly warnings: string[];
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

/** Splits a record into its rows; throws on anything that is not this format. */
export function parseProcessedRecord(data: Buffer): ProcessedLines {
  const text = data.toString('utf8');
  const lines = text.split('\n');
  if (lines[0] !== PROCESSED_HEADER) throw new Error(`not a ${PROCESSED_HEADER} record`);
  const out: ProcessedLines = { events: [], persons: [], distinctIds: [], groups: [], warnings: [] };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const rest = line.slice(2);
    switch (line[0]) {
      case 'E': {
        const [team, uuid, timestamp] = rest.split('\t', 3);
        const row = rest.slice(team.length + uuid.length + timestamp.length + 3);
        if (!row.startsWith('{') || !/^\d+$/.test(team)) throw new Error(`malformed event line ${i}`);
        out.events.push({ teamId: Number(team), uuid, timestamp, row });
        break;
      }
      case 'D': {
        const tab = rest.indexOf('\t');
        out.distinctIds.push({ version: Number(rest.slice(0, tab)), row: rest.slice(tab + 1) });
        break;
      }
      case 'P':
        out.persons.push(rest);
        break;
      case 'G':
        out.groups.push(rest);
        break;
      case 'W':
        out.warnings.push(rest);
        break;
      default:
        throw new Error(`unknown line kind at line ${i}`);
    }
  }
  return out;
}
