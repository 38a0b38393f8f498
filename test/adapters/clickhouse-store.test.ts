import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { ClickHouseStore, createClickHouseClient } from '../../lib/adapters/clickhouse-store';
import { openAnalyticsStore } from '../../lib/platform/ports';

// chDB allows one data folder per process at a time (TOOLCHAIN.md §2): one per worker and
// process, always closed in afterAll.
const dir = path.join(os.tmpdir(), `hedgerow-ch-test-${process.env.JEST_WORKER_ID ?? '0'}-${process.pid}`);
const db = 'store_test';
let client: ClickHouseClient;
let store: ClickHouseStore;

beforeAll(async () => {
  // chDB ships its own copy of @clickhouse/client-common; the connection interface is the same.
  client = createClient({ connection: createChdbConnection({ path: dir }) as never });
  store = new ClickHouseStore(client);
  await store.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await store.command(`CREATE TABLE ${db}.events (uuid UUID, event String, n UInt32, ts DateTime64(6, 'UTC'))
    ENGINE = MergeTree ORDER BY (event, uuid) SETTINGS non_replicated_deduplication_window = 1000`);
});

afterAll(async () => {
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const row = (i: number, event = 'pageview') => ({
  uuid: `0190b3c2-7d3e-7c41-9a7e-${String(i).padStart(12, '0')}`,
  event,
  n: i,
  ts: '2026-11-23 10:00:00.000000',
});

const countOf = async (event: string) =>
  Number((await store.query<{ c: string }>(`SELECT count() AS c FROM ${db}.events WHERE event = {e:String}`, { params: { e: event } }))[0].c);

describe('ClickHouseStore on chDB', () => {
  it('inserts JSONEachRow rows and queries them back as objects, with typed parameters', async () => {
    await store.insert(`${db}.events`, [row(1), row(2), row(3, 'signup')]);
    const rows = await store.query<{ uuid: string; n: number; ts: string }>(
      `SELECT uuid, n, ts FROM ${db}.events WHERE event = {event:String} AND n >= {min:UInt32} ORDER BY n`,
      { params: { event: 'pageview', min: 1 } },
    );
    expect(rows).toEqual([
      { uuid: row(1).uuid, n: 1, ts: '2026-11-23 10:00:00.000000' },
      { uuid: row(2).uuid, n: 2, ts: '2026-11-23 10:00:00.000000' },
    ]);
    expect(await store.query(`SELECT 1 AS one WHERE {x:Array(String)} = ['a', 'b''c']`, { params: { x: ['a', "b'c"] } })).toEqual([{ one: 1 }]);
  });

  it('applies per-query settings and hands parameters, settings, signal and query id to the client', async () => {
    const [settings] = await store.query<{ t: number }>("SELECT getSetting('max_execution_time') AS t", { settings: { max_execution_time: 7 } });
    expect(Number(settings.t)).toBe(7);

    // chDB has no server-side query id (it only echoes it), so this part checks the hand-over.
    const query = jest.spyOn(client, 'query');
    const command = jest.spyOn(client, 'command');
    const signal = new AbortController().signal;
    const options = { params: { x: 1 }, settings: { max_threads: 1 }, signal, queryId: 'hedgerow-test-query-1' };
    await store.query('SELECT {x:UInt8} AS x', options);
    await store.command('SELECT {x:UInt8}', options);
    const expected = { query_params: { x: 1 }, clickhouse_settings: { max_threads: 1 }, abort_signal: signal, query_id: 'hedgerow-test-query-1' };
    expect(query).toHaveBeenCalledWith(expect.objectContaining({ ...expected, format: 'JSONEachRow' }));
    expect(command).toHaveBeenCalledWith(expect.objectContaining(expected));
    query.mockRestore();
    command.mockRestore();
  });

  it('with settingsInSql (how chDB is opened), settings hold for their own statement only', async () => {
    // chDB keeps request settings on its one session; a SETTINGS clause does not outlive its statement.
    const scoped = new ClickHouseStore(client, { settingsInSql: true });
    const [inside] = await scoped.query<{ r: string; t: string }>("SELECT getSetting('readonly') AS r, getSetting('max_execution_time') AS t", { settings: { readonly: 2, max_execution_time: 3 } });
    expect([Number(inside.r), Number(inside.t)]).toEqual([2, 3]);
    await scoped.insert(`${db}.events`, [row(30, 'scoped')], { dedupToken: 'scoped-token' });
    await scoped.insertJsonLines(`${db}.events`, JSON.stringify(row(31, 'scoped')), { dedupToken: 'scoped-token-2' });
    expect(await countOf('scoped')).toBe(2);
    const [after] = await scoped.query<{ r: string; d: string }>("SELECT getSetting('readonly') AS r, getSetting('insert_deduplication_token') AS d");
    expect(Number(after.r)).toBe(0);
    expect(after.d).not.toMatch(/scoped-token/);
    await scoped.insert(`${db}.events`, [row(30, 'scoped')], { dedupToken: 'scoped-token' });
    expect(await countOf('scoped')).toBe(2);
    // A setting name that is not one is refused.
    await expect(scoped.query("SELECT 1", { settings: { 'max_threads; DROP': 1 } })).rejects.toThrow(/setting name/);
  });

  it('drops a repeated insert with the same dedup token, and keeps inserts with other tokens', async () => {
    const batch = [row(10, 'dedup'), row(11, 'dedup')];
    await store.insert(`${db}.events`, batch, { dedupToken: 'batch-a' });
    await store.insert(`${db}.events`, batch, { dedupToken: 'batch-a' });
    expect(await countOf('dedup')).toBe(2);
    await store.insert(`${db}.events`, batch, { dedupToken: 'batch-b' });
    expect(await countOf('dedup')).toBe(4);
  });

  it('as the platform opens chDB, inserts JSONEachRow bytes through a raw-insert session of the same folder', async () => {
    const opened = await openAnalyticsStore({ kind: 'chdb', dir });
    try {
      const lines = [
        JSON.stringify({ ...row(40), event: 'café ☕ — raw' }),
        // An object for a String column is stored as its JSON text.
        JSON.stringify({ ...row(41), event: { nested: 'raw ✓' } }),
      ].join('\n');
      await opened.insertJsonLines(`${db}.events`, Buffer.from(lines), { dedupToken: 'raw-a' });
      await opened.insertJsonLines(`${db}.events`, Buffer.from(lines), { dedupToken: 'raw-a' });
      await opened.insertJsonLines(`${db}.events`, Buffer.alloc(0));
      // Both sessions see the same tables.
      const rows = await store.query<{ event: string }>(`SELECT event FROM ${db}.events WHERE n IN (40, 41) ORDER BY n`);
      expect(rows.map((r) => r.event)).toEqual(['café ☕ — raw', '{"nested":"raw ✓"}']);
      await expect(opened.insertJsonLines('events; DROP TABLE x', Buffer.from(lines))).rejects.toThrow(/Not a table name/);
      await expect(opened.insertJsonLines(`${db}.events`, Buffer.from('{"uuid": "not a uuid"}'))).rejects.toThrow();
    } finally {
      await opened.close();
    }
    // The first session still works after the second one closed.
    expect(await countOf('café ☕ — raw')).toBe(1);
  });

  it('does nothing for an empty insert', async () => {
    await expect(store.insert(`${db}.events`, [])).resolves.toBeUndefined();
  });

  it('reports ClickHouse errors with their code', async () => {
    // Match on code and type: chDB throws its own copy's ClickHouseError class, so instanceof fails.
    await expect(store.query('SELEC 1')).rejects.toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });
    await expect(store.query(`SELECT * FROM ${db}.missing`)).rejects.toMatchObject({ code: '60' });
    await expect(store.command(`CREATE TABLE ${db}.events (x UInt8) ENGINE = Memory`)).rejects.toMatchObject({ code: '57' });
    await expect(store.insert(`${db}.events`, [{ uuid: 'not-a-uuid', event: 'x', n: 1, ts: '2026-11-23 10:00:00' }])).rejects.toMatchObject({
      code: expect.any(String),
    });
  });

  it('stops a query whose signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(store.query('SELECT 1', { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});

describe('createClickHouseClient', () => {
  /** A stand-in server that records what the client sends and answers one JSONEachRow row. */
  async function recordingServer() {
    const seen: { url: string; authorization?: string; body: string }[] = [];
    const server = http.createServer((req, res) => {
      const entry = { url: req.url ?? '', authorization: req.headers.authorization, body: '' };
      seen.push(entry);
      req.on('data', (chunk: Buffer) => (entry.body += chunk.toString('utf8')));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-clickhouse-format': 'JSONEachRow' });
        res.end('{"one":1}\n');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
  }

  it('connects with the secret fields (url, username, password, database), ignoring other fields', async () => {
    const server = await recordingServer();
    const remote = new ClickHouseStore(
      createClickHouseClient({ url: server.url, username: 'loader', password: 's3cret', database: 'posthog', kind: 'clickhouse' } as never),
    );
    expect(await remote.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await remote.close();
    await server.close();
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0].authorization).toBe(`Basic ${Buffer.from('loader:s3cret').toString('base64')}`);
    expect(new URL(server.seen[0].url, server.url).searchParams.get('database')).toBe('posthog');
  });

  it('sends JSONEachRow bytes as the body of an INSERT, with the insert settings', async () => {
    const server = await recordingServer();
    const remote = new ClickHouseStore(createClickHouseClient(server.url, { request_timeout: 5000 }));
    const lines = '{"event":"café ☕"}\n{"event":"b"}\n';
    await remote.insertJsonLines('events', Buffer.from(lines), { dedupToken: 'tok-1' });
    await remote.insertJsonLines('events', Buffer.alloc(0));
    await expect(remote.insertJsonLines('events; DROP', Buffer.from(lines))).rejects.toThrow(/Not a table name/);
    await remote.close();
    await server.close();
    expect(server.seen).toHaveLength(1);
    const url = new URL(server.seen[0].url, server.url);
    expect(url.searchParams.get('query')).toBe('INSERT INTO events FORMAT JSONEachRow');
    expect(url.searchParams.get('insert_deduplication_token')).toBe('tok-1');
    expect(url.searchParams.get('input_format_json_read_objects_as_strings')).toBe('1');
    expect(server.seen[0].body).toBe(lines);
  });

  it('connects with a bare URL', async () => {
    const server = await recordingServer();
    const remote = new ClickHouseStore(createClickHouseClient(server.url, { request_timeout: 5000 }));
    expect(await remote.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await remote.close();
    await server.close();
    expect(server.seen[0].authorization).toBe(`Basic ${Buffer.from('default:').toString('base64')}`);
  });
});
