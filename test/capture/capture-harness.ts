import { gzipSync } from 'node:zlib';
import type { TeamRef, TokenLookup } from '../../lib/accounts/token-lookup';
import { createCaptureHandler, type CaptureHandlerDeps } from '../../lib/capture/capture-handler';
import type { HttpRequest, HttpResponse } from '../../lib/http/types';
import type { CapturedRecord } from '../../lib/ingestion/records';
import { silentLogger } from '../../lib/observability/logger';
import type { BusRecord, EventBus, StreamName } from '../../lib/ports/bus';

export const TOKEN = 'phc_testtoken';
export const TEAM_ID = 42;
export const CLIENT_IP = '203.0.113.9';
/** The capture's receive time in these tests. */
export const NOW = new Date('2026-11-23T20:20:40.000Z');

/** An EventBus that keeps what it is given (or fails, when told to). */
export class MemoryBus implements EventBus {
  readonly puts: { stream: StreamName; records: readonly BusRecord[] }[] = [];
  failure: Error | undefined;
  async put(stream: StreamName, records: readonly BusRecord[]): Promise<void> {
    if (this.failure) throw this.failure;
    this.puts.push({ stream, records });
  }
  async close(): Promise<void> {}
  get records(): BusRecord[] {
    return this.puts.flatMap((p) => [...p.records]);
  }
  /** Every record written, parsed. */
  captured(): CapturedRecord[] {
    return this.records.map((r) => JSON.parse(Buffer.from(r.data).toString('utf8')) as CapturedRecord);
  }
  clear(): void {
    this.puts.length = 0;
  }
}

export class MapTokens implements TokenLookup {
  readonly teams = new Map<string, TeamRef>([[TOKEN, { teamId: TEAM_ID, token: TOKEN }]]);
  failure: Error | undefined;
  async lookup(token: string): Promise<TeamRef | undefined> {
    if (this.failure) throw this.failure;
    return this.teams.get(token);
  }
}

export function harness(overrides: Partial<CaptureHandlerDeps> = {}) {
  const bus = new MemoryBus();
  const tokens = new MapTokens();
  const handler = createCaptureHandler({ bus, tokens, logger: silentLogger, now: () => NOW, ...overrides });
  return { bus, tokens, handler };
}

export interface RequestInit {
  method?: string;
  path?: string;
  query?: string | Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  sourceIp?: string;
}

export function request(init: RequestInit = {}): HttpRequest {
  const query = typeof init.query === 'string' ? new URLSearchParams(init.query) : new URLSearchParams(init.query ?? {});
  const body = init.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body, 'utf8');
  return { method: init.method ?? 'POST', path: init.path ?? '/i/v0/e/', query, headers: init.headers ?? {}, body, sourceIp: init.sourceIp ?? CLIENT_IP };
}

export const gzipJson = (value: unknown): Buffer => gzipSync(Buffer.from(JSON.stringify(value), 'utf8'));

/** The parsed JSON body of a response. */
export function bodyOf(response: HttpResponse): unknown {
  return JSON.parse(String(response.body));
}

/** A minimal valid event. */
export function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { event: 'clicked', distinct_id: 'user-1', properties: { token: TOKEN }, ...overrides };
}
