/**
 * Session replay end to end in one process: the /s handler → the local durable log → the replay
 * consumer under LogConsumer (Lambda ESM semantics) → blocks in a folder + rows in chDB → the
 * recordings API, which lists the recording with the right counts and returns the snapshots sent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createOrganization, createPersonalApiKey, createTeam, createUser, type Team } from '../../lib/accounts/accounts-repository';
import type { TeamRef, TokenLookup } from '../../lib/accounts/token-lookup';
import { FileLog } from '../../lib/adapters/local/file-log/file-log';
import { LogConsumer } from '../../lib/adapters/local/file-log/log-consumer';
import { ApiAuthenticator } from '../../lib/api/auth';
import { createProjectUpdate, generalProjectSettings } from '../../lib/api/project-settings';
import { projectJson } from '../../lib/api/projects-api';
import { replayProjectSettings } from '../../lib/api/replay-project-settings';
import { registerSessionRecordingRoutes } from '../../lib/api/session-recordings-api';
import { createBlobDeadLetterStore } from '../../lib/dead-letters/dead-letter-store';
import { Router, withErrorHandling } from '../../lib/http/router';
import type { HttpHandler, HttpRequest } from '../../lib/http/types';
import { silentLogger } from '../../lib/observability/logger';
import { MemoryMetrics } from '../../lib/observability/metrics';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import type { Database } from '../../lib/ports/database';
import { decompressEvent } from '../../lib/replay/decompress-events';
import { createReplayCaptureHandler } from '../../lib/replay/replay-capture-handler';
import { createReplayConsumer } from '../../lib/replay/replay-consumer';
import { createSessionRecordingSettings, sessionRecordingConfig } from '../../lib/replay/replay-settings';
import { sweepExpiredRecordings } from '../../lib/replay/retention-sweeper';
import { createTestPglite } from '../support/pglite';
import { click, consoleLog, fixtureEvents, input, meta, mouseMove } from './replay-harness';
import { openReplayStore, tempBlobs } from './replay-store';

let db: Database;
let store: AnalyticsStore;
let log: FileLog;
let consumer: LogConsumer;
let capture: HttpHandler;
let api: HttpHandler;
let blobs: ReturnType<typeof tempBlobs>['blobs'];
let team: Team;
let otherTeam: Team;
let key: string;
let readOnlyKey: string;
let queryKey: string;
let outsiderKey: string;
const settings = { forgotten: [] as number[] };

const NOW = new Date();
const T0 = NOW.getTime() - 3600_000; // an hour ago
const A = 'session-aaaa-0001';
const B = 'session-bbbb-0002';
const OLD = 'session-old-0003';

beforeAll(async () => {
  db = await createTestPglite();
  store = await openReplayStore();
  ({ blobs } = tempBlobs());
  const org = await createOrganization(db, 'Replay org');
  team = await createTeam(db, { organizationId: org.id, name: 'Replay', apiToken: 'phc_replay_one' });
  otherTeam = await createTeam(db, { organizationId: org.id, name: 'Other', apiToken: 'phc_replay_two' });
  const user = await createUser(db, { email: 'r@example.com', organizationId: org.id });
  key = (await createPersonalApiKey(db, { userId: user.id, label: 'all' })).value;
  readOnlyKey = (await createPersonalApiKey(db, { userId: user.id, label: 'ro', scopes: ['session_recording:read'] })).value;
  queryKey = (await createPersonalApiKey(db, { userId: user.id, label: 'q', scopes: ['query:read'] })).value;
  const elsewhere = await createOrganization(db, 'Elsewhere');
  const outsider = await createUser(db, { email: 'o@example.com', organizationId: elsewhere.id });
  outsiderKey = (await createPersonalApiKey(db, { userId: outsider.id, label: 'o' })).value;

  const tokens: TokenLookup = {
    lookup: async (token) => (({ phc_replay_one: { teamId: team.id, token }, phc_replay_two: { teamId: otherTeam.id, token } }) as Record<string, TeamRef>)[token],
  };
  log = FileLog.open({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-replay-log-')), shards: 2 });
  const deadLetters = createBlobDeadLetterStore(blobs);
  consumer = new LogConsumer(log, {
    name: 'replay-consumer',
    stream: 'recordings',
    handler: createReplayConsumer({ blobs, store, db, deadLetters, logger: silentLogger, metrics: new MemoryMetrics(), settingsTtlMs: 0 }),
    deadLetters,
    logger: silentLogger,
    batchSize: 50,
  });
  consumer.start();
  capture = createReplayCaptureHandler({ bus: log, tokens, logger: silentLogger });
  const router = new Router();
  registerSessionRecordingRoutes(router, { db, store, blobs });
  const replaySettings = replayProjectSettings({ db, onReplaySettingsChanged: (id) => void settings.forgotten.push(id) });
  router.add('PATCH', '/api/projects/:id', createProjectUpdate({ db, auth: new ApiAuthenticator(db), sections: [generalProjectSettings(db), replaySettings], view: projectJson }));
  api = withErrorHandling((req) => router.handle(req), silentLogger);
}, 60_000);

afterAll(async () => {
  await consumer?.stop();
  await log?.close();
  await store?.close();
  await db?.close();
});

function req(method: string, pathAndQuery: string, bearer: string | undefined = key, body?: unknown): HttpRequest {
  const url = new URL(pathAndQuery, 'http://local');
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body)),
    sourceIp: '127.0.0.1',
  };
}

async function call(method: string, pathAndQuery: string, bearer?: string, body?: unknown) {
  const res = await api(req(method, pathAndQuery, bearer, body));
  const text = res.body === undefined ? '' : String(res.body);
  return { status: res.status, text, body: text && res.headers?.['content-type'] === 'application/json' ? JSON.parse(text) : undefined };
}

/** posthog-js' request: gzip text/plain, a JSON array of $snapshot events. */
async function record(token: string, sessionId: string, distinctId: string, items: unknown[]) {
  const body = [{ event: '$snapshot', properties: { $snapshot_data: items, $session_id: sessionId, $window_id: `${sessionId}-w`, $lib: 'web', token, distinct_id: distinctId } }];
  const res = await capture({ method: 'POST', path: '/s/', query: new URLSearchParams(), headers: { 'content-type': 'text/plain' }, body: gzipSync(JSON.stringify(body)), sourceIp: '1.2.3.4' });
  expect(res.status).toBe(200);
}

/** The fixture's events moved to `start`, in their original spacing. */
function shifted(start: number): Record<string, unknown>[] {
  const events = fixtureEvents();
  const t0 = events[0].timestamp as number;
  return events.map((e) => ({ ...e, timestamp: (e.timestamp as number) - t0 + start }));
}

const sent: Record<string, unknown[]> = { [A]: [], [B]: [] };

describe('recording a session and reading it back', () => {
  test('opting the project in through PATCH turns the remote config on', async () => {
    const recording = createSessionRecordingSettings(db, { ttlMs: 60_000 });
    expect(await recording.sessionRecording(team.id)).toBe(false);
    const patched = await call('PATCH', `/api/projects/${team.id}/`, key, { session_recording_opt_in: true, session_recording_retention_period: '90d' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: team.id, session_recording_opt_in: true, session_recording_retention_period: '90d', session_recording_retention_period_days: 90 });
    expect(settings.forgotten).toEqual([team.id]);
    expect(await recording.sessionRecording(team.id)).toBe(false); // cached until forgotten
    recording.forget(team.id);
    expect(await recording.sessionRecording(team.id)).toEqual(sessionRecordingConfig());
    expect(sessionRecordingConfig()).toMatchObject({ endpoint: '/s/', consoleLogRecordingEnabled: true, recorderVersion: 'v2' });
    expect((await call('PATCH', `/api/projects/${otherTeam.id}/`, key, { session_recording_opt_in: true })).status).toBe(200);

    for (const [body, attr] of [[{ session_recording_opt_in: 'yes' }, 'session_recording_opt_in'], [{ session_recording_retention_period: '2y' }, 'session_recording_retention_period'], [{ api_token: 'phc_x' }, 'api_token']] as const) {
      const bad = await call('PATCH', `/api/projects/${team.id}/`, key, body);
      expect(bad.status).toBe(400);
      expect(bad.body.attr).toBe(attr);
    }
    expect((await call('PATCH', `/api/projects/${team.id}/`, readOnlyKey, { session_recording_opt_in: false })).status).toBe(403);
  });

  test('snapshots flow through the log and the consumer into blocks and rows', async () => {
    // Session A: the real posthog-js batch, then clicks and typing on another page, console output, in several requests.
    sent[A].push(...shifted(T0));
    await record('phc_replay_one', A, 'user-a', shifted(T0));
    for (let i = 1; i <= 5; i++) {
      const t = T0 + 10_000 + i * 2000;
      const items: Record<string, unknown>[] = [mouseMove(t), click(t + 100), input(t + 200), consoleLog(t + 300, i === 5 ? 'error' : 'log')];
      if (i === 1) items.unshift(meta(t - 1, 'http://127.0.0.1:8011/second'));
      sent[A].push(...items);
      await record('phc_replay_one', A, 'user-a', items);
      await consumer.drain(); // batches of their own: several blocks
    }
    // Session B, later, another visitor; session of the other project with the same id as A.
    const itemsB = [meta(T0 + 60_000, 'https://b.example/'), click(T0 + 61_000), consoleLog(T0 + 62_000, 'warn')];
    sent[B].push(...itemsB);
    await record('phc_replay_one', B, 'user-b', itemsB);
    await record('phc_replay_two', A, 'intruder', [meta(T0, 'https://other.example/'), click(T0 + 1)]);
    // A session older than the retention period (90 days).
    await record('phc_replay_one', OLD, 'user-a', [meta(NOW.getTime() - 100 * 86_400_000, 'https://old.example/'), click(NOW.getTime() - 100 * 86_400_000 + 1)]);
    await consumer.drain();
    expect((await blobs.list(`replay/90d/${team.id}/${A}/`)).length).toBeGreaterThanOrEqual(2);
    expect((await blobs.list(`replay/30d/${otherTeam.id}/${A}/`)).length).toBe(1);
  });

  test('the list shows the recordings with their counts, newest first, in PostHog’s shape', async () => {
    const res = await call('GET', `/api/projects/${team.id}/session_recordings/`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ has_next: false, version: 4 });
    expect(res.body.results.map((r: { id: string }) => r.id)).toEqual([B, A]);
    const a = res.body.results[1];
    const lastA = T0 + 10_000 + 5 * 2000 + 300;
    expect(a).toMatchObject({
      id: A,
      distinct_id: 'user-a',
      viewed: false,
      start_time: new Date(T0).toISOString(),
      end_time: new Date(lastA).toISOString(),
      recording_duration: Math.floor(lastA / 1000) - Math.floor(T0 / 1000), // dateDiff('second'), as PostHog
      click_count: 2 + 5,
      keypress_count: 1 + 5,
      mouse_activity_count: 13 + 10,
      console_log_count: 4,
      console_warn_count: 0,
      console_error_count: 1,
      start_url: 'http://127.0.0.1:8011/',
      snapshot_source: 'web',
      snapshot_library: 'web',
      retention_period_days: 90,
      person: null,
      ongoing: false,
    });
    expect(a.active_seconds + a.inactive_seconds).toBe(a.recording_duration);
    // clicks and typing every 2 s for 10 s, in blocks of their own: one active stretch across the blocks
    expect(a.active_seconds).toBe(Math.round((500 + 200 + 4 * 2000) / 1000));
    expect(res.body.results[0]).toMatchObject({ id: B, distinct_id: 'user-b', click_count: 1, console_warn_count: 1, start_url: 'https://b.example/' });

    const one = await call('GET', `/api/environments/${team.id}/session_recordings/${A}/`);
    expect(one.body).toEqual(a);
  });

  test('the snapshots are the rrweb events sent, in order, inflated', async () => {
    const { body } = await call('GET', `/api/projects/${team.id}/session_recordings/${A}/snapshots/`);
    expect(body.sources.length).toBeGreaterThanOrEqual(2);
    body.sources.forEach((s: Record<string, unknown>, i: number) => expect(s).toMatchObject({ source: 'blob_v2', blob_key: String(i), start_timestamp: expect.any(String), end_timestamp: expect.any(String) }));
    const blocks = await call('GET', `/api/projects/${team.id}/session_recordings/${A}/snapshots/?source=blob_v2&start_blob_key=0&end_blob_key=${body.sources.length - 1}`);
    expect(blocks.status).toBe(200);
    const lines = blocks.text.trim().split('\n').map((l) => JSON.parse(l) as [string, Record<string, unknown>]);
    expect(lines.length).toBe(sent[A].length);
    expect(lines.map(([, e]) => [e.type, e.timestamp])).toEqual(sent[A].map((e) => [(e as { type: number }).type, (e as { timestamp: number }).timestamp]));
    expect(lines.map(([, e]) => e)).toEqual(sent[A].map((e) => decompressEvent(e).event));
    expect(lines.every(([w]) => w === `${A}-w`)).toBe(true);

    const single = await call('GET', `/api/projects/${team.id}/session_recordings/${A}/snapshots/?source=blob_v2&blob_key=0`);
    expect(blocks.text.startsWith(single.text)).toBe(true);
  });

  test('filters: person, distinct id, dates, duration, counters, events in the session', async () => {
    const ids = async (query: string) => {
      const res = await call('GET', `/api/projects/${team.id}/session_recordings/?${query}`);
      expect(res.status).toBe(200);
      return res.body.results.map((r: { id: string }) => r.id);
    };
    expect(await ids('distinct_id=user-a')).toEqual([A]);
    expect(await ids(`distinct_ids=${encodeURIComponent('["user-b","nobody"]')}`)).toEqual([B]);
    expect(await ids(`date_from=${new Date(T0 + 30_000).toISOString()}`)).toEqual([B]);
    expect(await ids(`date_to=${new Date(T0 + 30_000).toISOString()}`)).toEqual([A]);
    expect(await ids('date_from=-2h&date_to=-1M')).toEqual([B, A]);
    expect(await ids('date_from=-100d')).toEqual([B, A]); // the expired one stays hidden
    expect(await ids('duration_min=10')).toEqual([A]);
    expect(await ids('duration_max=10')).toEqual([B]);
    expect(await ids('duration_max=1e308')).toEqual([B, A]); // a whole number beyond 2^53 is still a number
    expect(await ids(`having_predicates=${encodeURIComponent(JSON.stringify([{ type: 'recording', key: 'click_count', operator: 'gt', value: 3 }]))}`)).toEqual([A]);
    expect(await ids(`properties=${encodeURIComponent(JSON.stringify([{ type: 'recording', key: 'console_warn_count', operator: 'exact', value: 1 }]))}`)).toEqual([B]);
    expect(await ids('limit=1')).toEqual([B]);
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/?limit=1`)).body.has_next).toBe(true);
    expect(await ids('limit=1&offset=1')).toEqual([A]);
    expect(await ids(`session_ids=${encodeURIComponent(JSON.stringify([A]))}`)).toEqual([A]);

    // Events with $session_id in ClickHouse (as capture + ingestion write them), and a person.
    const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    await store.insert('events', [
      { uuid: '0191a8e0-0000-7000-8000-000000000001', event: '$pageview', properties: JSON.stringify({ $session_id: A }), timestamp: ts(T0 + 5), team_id: team.id, distinct_id: 'user-a' },
      { uuid: '0191a8e0-0000-7000-8000-000000000002', event: 'signed_up', properties: JSON.stringify({ $session_id: A }), timestamp: ts(T0 + 6), team_id: team.id, distinct_id: 'user-a' },
      { uuid: '0191a8e0-0000-7000-8000-000000000003', event: '$pageview', properties: JSON.stringify({ $session_id: B }), timestamp: ts(T0 + 60_001), team_id: team.id, distinct_id: 'user-b' },
      { uuid: '0191a8e0-0000-7000-8000-000000000004', event: 'signed_up', properties: JSON.stringify({ $session_id: B }), timestamp: ts(T0 + 60_002), team_id: otherTeam.id, distinct_id: 'user-b' },
    ]);
    const person = '0191a8e0-1111-7000-8000-000000000001';
    await store.insert('person_distinct_id2', [{ team_id: team.id, distinct_id: 'user-b', person_id: person, version: 0 }]);
    await store.insert('person', [{ id: person, created_at: ts(T0), team_id: team.id, properties: JSON.stringify({ email: 'b@example.com' }), is_identified: 1, version: 0 }]);
    const events = (list: unknown[], operand = '') => `events=${encodeURIComponent(JSON.stringify(list))}${operand}`;
    expect(await ids(events([{ id: '$pageview', type: 'events' }]))).toEqual([B, A]);
    expect(await ids(events([{ id: '$pageview' }, { id: 'signed_up' }]))).toEqual([A]);
    expect(await ids(events([{ id: 'signed_up' }, { id: 'nothing' }], '&operand=OR'))).toEqual([A]);
    expect(await ids(events([{ id: 'nothing' }]))).toEqual([]);
    expect(await ids(`person_uuid=${person}`)).toEqual([B]);
    expect(await ids('person_uuid=0191a8e0-9999-7000-8000-000000000001')).toEqual([]);
    const withPerson = await call('GET', `/api/projects/${team.id}/session_recordings/${B}/`);
    expect(withPerson.body.person).toMatchObject({ id: person, distinct_ids: ['user-b'], properties: { email: 'b@example.com' }, name: 'b@example.com' });

    for (const bad of ['date_from=yesterday', 'duration_min=abc', 'events=nope', `events=${encodeURIComponent('[{"id":"x","type":"actions"}]')}`, `having_predicates=${encodeURIComponent('[{"type":"person","key":"email"}]')}`, 'limit=0', 'person_uuid=nope']) {
      const res = await call('GET', `/api/projects/${team.id}/session_recordings/?${bad}`);
      expect([bad, res.status]).toEqual([bad, 400]);
    }
  });

  test('team isolation, keys and scopes', async () => {
    const other = await call('GET', `/api/projects/${otherTeam.id}/session_recordings/${A}/snapshots/?source=blob_v2&blob_key=0`);
    expect(other.status).toBe(200);
    expect(other.text).toContain('https://other.example/');
    expect(other.text).not.toContain('127.0.0.1:8011');
    expect((await call('GET', `/api/projects/${otherTeam.id}/session_recordings/${B}/`)).status).toBe(404);
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/`, outsiderKey)).status).toBe(404);
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/`, '')).status).toBe(401);
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/`, queryKey)).status).toBe(403);
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/`, readOnlyKey)).status).toBe(200);
    expect((await call('DELETE', `/api/projects/${team.id}/session_recordings/${A}/`, readOnlyKey)).status).toBe(403);
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/not%2Fa%2Fsession/`)).status).toBe(404);
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/${OLD}/`)).status).toBe(404); // expired
    for (const q of ['source=blob_v3', 'source=blob_v2', 'source=blob_v2&start_blob_key=0&end_blob_key=x', 'source=blob_v2&start_blob_key=0&end_blob_key=25', 'source=blob_v2&start_blob_key=2&end_blob_key=1']) {
      expect([q, (await call('GET', `/api/projects/${team.id}/session_recordings/${A}/snapshots/?${q}`)).status]).toEqual([q, 400]);
    }
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/${A}/snapshots/?source=blob_v2&blob_key=99`)).status).toBe(404);
  });

  test('deleting a recording removes its blocks and rows, and nothing of the other project', async () => {
    const res = await call('DELETE', `/api/projects/${team.id}/session_recordings/${A}/`);
    expect(res.status).toBe(204);
    expect(await blobs.list(`replay/90d/${team.id}/${A}/`)).toEqual([]);
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/${A}/`)).status).toBe(404);
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/`)).body.results.map((r: { id: string }) => r.id)).toEqual([B]);
    expect((await call('GET', `/api/projects/${otherTeam.id}/session_recordings/${A}/`)).status).toBe(200);
    expect((await blobs.list(`replay/30d/${otherTeam.id}/${A}/`)).length).toBe(1);
  });

  test('the retention sweeper deletes expired blocks and rows, and only those', async () => {
    expect((await blobs.list(`replay/90d/${team.id}/${OLD}/`)).length).toBe(1);
    const outcome = await sweepExpiredRecordings(blobs, store, NOW);
    expect(outcome).toEqual({ blocksDeleted: 1, partsDeleted: 0 });
    expect(await blobs.list(`replay/90d/${team.id}/${OLD}/`)).toEqual([]);
    const [{ n }] = await store.query<{ n: string }>(`SELECT count() AS n FROM session_replay_blocks WHERE session_id = '${OLD}'`);
    expect(Number(n)).toBe(0);
    expect((await call('GET', `/api/projects/${team.id}/session_recordings/${B}/`)).status).toBe(200);
    expect((await blobs.list(`replay/90d/${team.id}/${B}/`)).length).toBe(1);
  });
});
