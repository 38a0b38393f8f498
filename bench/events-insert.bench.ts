/**
 * ClickHouse's side of loading events (issue #2): the CPU chDB spends inserting `events` rows
 * (JSONEachRow, as the loader sends them), with the 16 columns computed from `properties` taken
 * from one parse of it (the schema since migration 6) against the same table whose columns each
 * parse it (the baseline, the shape before). Both tables in one chDB session, chunks alternating
 * between them (the same rows to each); CPU is the process's (chDB's threads included), measured around each insert.
 *
 *   npx ts-node --transpile-only bench/events-insert.bench.ts
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVENTS, singleNodeDdl } from '../lib/clickhouse/schema';
import { openAnalyticsStore } from '../lib/platform/ports';
import { eventsDdlWithOwnExtractions } from '../test/support/events-ddl';
import { makePosthogJsBatch } from './capture.bench';

const FIXTURE = path.join(__dirname, '../test/fixtures/sdk-wire/posthog-js/05-i_v0_e.json');

export interface InsertBenchResult {
  readonly rows: number;
  readonly bytesPerRow: number;
  /** CPU µs per row inserted. */
  readonly onePerRow: number;
  readonly ownPerRow: number;
  /** One parse's CPU per row against the baseline's (× baseline). */
  readonly ratio: number;
}

/** `chunks` chunks of `chunkRows` rows shaped as the ingestion consumer writes them. */
function eventRows(chunks: number, chunkRows: number): Buffer[] {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const out: Buffer[] = [];
  for (let c = 0; c < chunks; c++) {
    const lines: string[] = [];
    for (let b = 0; lines.length < chunkRows; b++) {
      const batch = JSON.parse(makePosthogJsBatch(c * 1000 + b, fixture)) as { batch: { event: string; properties: Record<string, unknown> }[] };
      for (const e of batch.batch.slice(0, chunkRows - lines.length)) {
        const time = '2026-11-30 05:00:00.000000';
        lines.push(
          JSON.stringify({
            uuid: randomUUID(), event: e.event, properties: JSON.stringify(e.properties), timestamp: time, team_id: 1, distinct_id: String(e.properties.distinct_id),
            elements_chain: '', created_at: time, person_id: randomUUID(), person_created_at: '2026-11-30 05:00:00.000', person_properties: '{"plan":"pro"}', person_mode: 'full',
          }),
        );
      }
    }
    out.push(Buffer.from(lines.join('\n')));
  }
  return out;
}

export async function runEventsInsertBench(options: { chunks?: number; chunkRows?: number } = {}): Promise<InsertBenchResult> {
  const chunks = options.chunks ?? 20;
  const chunkRows = options.chunkRows ?? 2000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hedgerow-insert-bench-'));
  const store = await openAnalyticsStore({ kind: 'chdb', dir });
  try {
    await store.command(singleNodeDdl(EVENTS));
    await store.command(eventsDdlWithOwnExtractions('events_own_extractions'));
    const data = eventRows(chunks, chunkRows);
    const cpu = { events: 0, events_own_extractions: 0 };
    const insert = async (table: keyof typeof cpu, body: Buffer) => {
      const before = process.cpuUsage();
      await store.insertJsonLines(table, body);
      const used = process.cpuUsage(before);
      cpu[table] += used.user + used.system;
    };
    // Warm-up: one chunk each, not counted.
    await store.insertJsonLines('events', data[0]!);
    await store.insertJsonLines('events_own_extractions', data[0]!);
    // The same chunks into both tables, which goes first alternating.
    for (const [i, chunk] of data.entries()) {
      const order = i % 2 === 0 ? (['events', 'events_own_extractions'] as const) : (['events_own_extractions', 'events'] as const);
      for (const table of order) await insert(table, chunk);
    }
    const rows = chunks * chunkRows;
    const onePerRow = cpu.events / rows;
    const ownPerRow = cpu.events_own_extractions / rows;
    return { rows, bytesPerRow: data[0]!.length / chunkRows, onePerRow, ownPerRow, ratio: onePerRow / ownPerRow };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) runEventsInsertBench().then((r) => console.log(r));
