/**
 * Capture throughput: events/s of the capture handler on posthog-js-shaped gzip batches (50 events
 * of ~1 KB built from the real fixture, varied per event), against `zlib.gunzipSync + JSON.parse`
 * of the same bytes in the same run. Goal (issue 2): ≥ 0.5 of that baseline.
 *
 *   npx ts-node --transpile-only bench/capture.bench.ts [--seconds 1] [--rounds 7]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { TeamRef, TokenLookup } from '../lib/accounts/token-lookup';
import { createCaptureHandler } from '../lib/capture/capture-handler';
import type { HttpRequest } from '../lib/http/types';
import { silentLogger } from '../lib/observability/logger';
import type { BusRecord, EventBus } from '../lib/ports/bus';

const FIXTURE = join(__dirname, '../test/fixtures/sdk-wire/posthog-js/05-i_v0_e.json');
const EVENTS_PER_BATCH = 50;
const TARGET_EVENT_BYTES = 1000;

interface FixtureEvent {
  uuid: string;
  event: string;
  properties: Record<string, unknown>;
  timestamp: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const uuid7ish = () => {
  const h = hex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** One posthog-js `/i/v0/e/` body: the fixture's events trimmed to ~1 KB, with per-event values varied. */
export function makePosthogJsBatch(seed: number, fixture: { batch: FixtureEvent[]; sent_at: string }): string {
  const base = Date.parse(fixture.sent_at) + seed * 1000;
  const distinctId = uuid7ish();
  const sessionId = uuid7ish();
  const windowId = uuid7ish();
  const batch = [];
  for (let i = 0; i < EVENTS_PER_BATCH; i++) {
    const template = fixture.batch[i % fixture.batch.length];
    const properties: Record<string, unknown> = {};
    let size = 0;
    for (const [key, value] of Object.entries(template.properties)) {
      if (size > TARGET_EVENT_BYTES - 380) break;
      properties[key] = value;
      size += key.length + JSON.stringify(value).length + 4;
    }
    Object.assign(properties, {
      token: 'phc_testtoken',
      distinct_id: distinctId,
      $device_id: distinctId,
      $session_id: sessionId,
      $window_id: windowId,
      $pageview_id: uuid7ish(),
      $insert_id: hex(8),
      $time: (base + i) / 1000,
      $current_url: `https://example.com/p/${hex(3)}?utm_source=s${seed}`,
      $pathname: `/p/${i}`,
      $viewport_width: 800 + ((i * 7) % 600),
    });
    batch.push({ uuid: uuid7ish(), event: template.event, properties, timestamp: new Date(base + i * 10 - 500).toISOString() });
  }
  return JSON.stringify({ api_key: 'phc_testtoken', batch, sent_at: new Date(base + 600).toISOString() });
}

/** An EventBus that only keeps count of what it is given. */
class CountingBus implements EventBus {
  records = 0;
  bytes = 0;
  async put(_stream: string, records: readonly BusRecord[]): Promise<void> {
    this.records += records.length;
    for (const r of records) this.bytes += r.data.length;
  }
  async close(): Promise<void> {}
}

class MapTokens implements TokenLookup {
  constructor(private readonly teams: Map<string, TeamRef>) {}
  async lookup(token: string): Promise<TeamRef | undefined> {
    return this.teams.get(token);
  }
}

type Case = { name: string; run: (i: number) => unknown };

async function measure(cases: Case[], seconds: number, rounds: number): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) for (let i = 0; i < 300; i++) await c.run(i); // warm-up (and JIT)
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      let n = 0;
      const start = process.hrtime.bigint();
      const end = Date.now() + seconds * 1000;
      while (Date.now() < end) {
        for (let k = 0; k < 20; k++) {
          const result = c.run(n++);
          if (result instanceof Promise) await result; // sync cases are not charged a microtask
        }
      }
      samples.get(c.name)!.push(Number(process.hrtime.bigint() - start) / 1e3 / n);
    }
  }
  const medians = new Map<string, number>();
  for (const [name, values] of samples) medians.set(name, values.sort((a, b) => a - b)[values.length >> 1]);
  return medians;
}

export interface CaptureBenchRow {
  readonly name: string;
  readonly usPerBatch: number;
  readonly eventsPerSecond: number;
  /** baseline µs / this µs: the figure the goal (≥ 0.5) is about */
  readonly ratio: number;
}

export interface CaptureBenchResult {
  /** The baseline, then the capture handler. */
  readonly rows: CaptureBenchRow[];
  /** For context only (no goal). */
  readonly references: CaptureBenchRow[];
  readonly bytesPerEvent: number;
  readonly gzipRatio: number;
}

export async function runCaptureBench(options: { seconds?: number; rounds?: number; batches?: number } = {}): Promise<CaptureBenchResult> {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { batch: FixtureEvent[]; sent_at: string };
  const texts = Array.from({ length: options.batches ?? 200 }, (_, i) => makePosthogJsBatch(i, fixture));
  const bodies = texts.map((t) => gzipSync(t));
  const bus = new CountingBus();
  const handler = createCaptureHandler({
    bus,
    tokens: new MapTokens(new Map([['phc_testtoken', { teamId: 1, token: 'phc_testtoken' }]])),
    logger: silentLogger,
    now: () => new Date(Date.parse(fixture.sent_at) + 1000),
  });
  const requests: HttpRequest[] = bodies.map((body) => ({
    method: 'POST',
    path: '/i/v0/e/',
    query: new URLSearchParams(),
    headers: { 'content-type': 'text/plain', 'content-length': String(body.length) },
    body,
    sourceIp: '203.0.113.7',
  }));
  const first = await handler(requests[0]);
  if (first.status !== 200) throw new Error(`capture answered ${first.status}: ${String(first.body)}`);

  const n = bodies.length;
  const cases: Case[] = [
    { name: 'baseline: gunzipSync + JSON.parse', run: (i) => JSON.parse(gunzipSync(bodies[i % n]).toString('utf8')) },
    { name: 'capture handler (POST /i/v0/e/, gzip)', run: (i) => handler(requests[i % n]) },
    {
      // what re-serialising every event would cost (capture copies `properties` bytes instead)
      name: 'reference: gunzip + parse + stringify each event',
      run: (i) => (JSON.parse(gunzipSync(bodies[i % n]).toString('utf8')) as { batch: unknown[] }).batch.map((e) => Buffer.from(JSON.stringify(e))),
    },
  ];
  const medians = await measure(cases, options.seconds ?? 1, options.rounds ?? 7);
  const baseline = medians.get(cases[0].name)!;
  const row = (c: Case) => {
    const us = medians.get(c.name)!;
    return { name: c.name, usPerBatch: us, eventsPerSecond: (EVENTS_PER_BATCH * 1e6) / us, ratio: baseline / us };
  };
  const rawBytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
  const gzBytes = bodies.reduce((s, b) => s + b.length, 0);
  return { rows: cases.slice(0, 2).map(row), references: cases.slice(2).map(row), bytesPerEvent: rawBytes / (n * EVENTS_PER_BATCH), gzipRatio: rawBytes / gzBytes };
}

function printTable(result: CaptureBenchResult): void {
  const lines = [
    `capture bench: ${EVENTS_PER_BATCH} events/batch, ${Math.round(result.bytesPerEvent)} B/event, gzip ${result.gzipRatio.toFixed(1)}x, node ${process.version}`,
    '',
    '| case | µs/batch | events/s | × baseline |',
    '|---|---:|---:|---:|',
    ...[...result.rows, ...result.references].map((r) => `| ${r.name} | ${r.usPerBatch.toFixed(1)} | ${Math.round(r.eventsPerSecond).toLocaleString('en-US')} | ${r.ratio.toFixed(2)} |`),
  ];
  console.log(lines.join('\n'));
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? undefined : Number(process.argv[i + 1]);
  };
  runCaptureBench({ seconds: arg('seconds'), rounds: arg('rounds') }).then(printTable, (error) => {
    console.error(error);
    process.exit(1);
  });
}
