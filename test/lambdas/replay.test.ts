import { gzipSync } from 'node:zlib';
import { createTeam, type Team } from '../../lib/accounts/accounts-repository';
import { publishTeamToken } from '../../lib/accounts/token-directory';
import { createBlobDeadLetterStore } from '../../lib/dead-letters/dead-letter-store';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { type LambdaEnvironment } from '../support/lambda-environment';
import { albEvent, httpApiEvent } from '../support/lambda-events';
import { invoke } from '../support/lambda-invoke';
import { click, consoleLog, fixtureEvents, input, meta, mouseMove } from '../replay/replay-harness';
import { apiCaller, startLambdaTest, stopLambdaTest } from '../support/lambda-project';

/**
 * Session replay across the real Lambda handler modules, over local AWS: posthog-js' /s/ batches
 * through the capture Lambda onto Kinesis `recordings`, the replay-consumer Lambda on that Kinesis
 * event (blocks in S3, rows in chDB; project settings from DynamoDB, where the api Lambda published
 * them), then the recordings API of the api Lambda. Tests run in file order and build on each other.
 */
type Handlers = {
  api: typeof import('../../lambdas/api');
  capture: typeof import('../../lambdas/capture');
  replay: typeof import('../../lambdas/replay-consumer');
};

let aws: LambdaEnvironment;
let store: AnalyticsStore;
let lambdas: Handlers;
let team: Team;
let quiet: Team;
let key: string;

const T0 = Date.now() - 3600_000;
const SESSION = 'session-lambda-0001';
const OFF_SESSION = 'session-lambda-off1';

beforeAll(async () => {
  const started = await startLambdaTest('replay', 'Replay');
  ({ aws, store } = started);
  const project = started.project;
  ({ team, key } = project);
  quiet = await createTeam(aws.db, { organizationId: project.organizationId, name: 'Not recording' });
  await publishTeamToken(aws.kv, quiet);
  Object.assign(process.env, aws.env);
  lambdas = {
    api: await import('../../lambdas/api'),
    capture: await import('../../lambdas/capture'),
    replay: await import('../../lambdas/replay-consumer'),
  };
}, 60_000);

afterAll(async () => {
  await stopLambdaTest(store, aws);
});

const api = apiCaller(() => lambdas.api.handler, () => key);

/** posthog-js' /s/ request: gzip text/plain, a JSON array of $snapshot events, base64 through API Gateway. */
function snapshotRequest(token: string, sessionId: string, distinctId: string, items: unknown[]) {
  const body = [{ event: '$snapshot', properties: { $snapshot_data: items, $session_id: sessionId, $window_id: `${sessionId}-w`, $lib: 'web', token, distinct_id: distinctId } }];
  return { method: 'POST', url: '/s/?compression=gzip-js&ver=1.449.2', headers: { 'content-type': 'text/plain', origin: 'https://shop.example' }, body: gzipSync(JSON.stringify(body)) };
}

/** The fixture's events (a real posthog-js batch, with a cv:"2024-10" full snapshot) moved to `start`. */
function shifted(start: number): Record<string, unknown>[] {
  const events = fixtureEvents();
  const t0 = events[0].timestamp as number;
  return events.map((e) => ({ ...e, timestamp: (e.timestamp as number) - t0 + start }));
}

const sent: unknown[] = [];

describe('recording a session through the Lambdas', () => {
  test('opting in through the api publishes the setting the consumer reads', async () => {
    const patched = await api('PATCH', `/api/projects/${team.id}/`, { session_recording_opt_in: true, session_recording_retention_period: '90d' });
    expect(patched.status).toBe(200);
    expect(await aws.kv.get(`replay-settings:${team.id}`)).toEqual({ optIn: true, retentionDays: 90 });
  });

  test('/s/ through the capture Lambda (API Gateway and ALB events) lands on the recordings stream', async () => {
    sent.push(...shifted(T0));
    const first = await invoke(lambdas.capture.handler, httpApiEvent(snapshotRequest(team.apiToken, SESSION, 'user-r', shifted(T0))), 'capture');
    expect(first.result).toMatchObject({ statusCode: 200, headers: { 'access-control-allow-origin': 'https://shop.example' } });
    const later = [meta(T0 + 9_999, 'https://shop.example/cart'), mouseMove(T0 + 10_000), click(T0 + 10_100), input(T0 + 10_200), consoleLog(T0 + 10_300, 'error')];
    sent.push(...later);
    const second = await invoke(lambdas.capture.handler, albEvent(snapshotRequest(team.apiToken, SESSION, 'user-r', later)), 'capture');
    expect(second.result).toMatchObject({ statusCode: 200, statusDescription: '200' });
    // A project that has not opted in: capture accepts (it does not know), the consumer drops.
    await invoke(lambdas.capture.handler, httpApiEvent(snapshotRequest(quiet.apiToken, OFF_SESSION, 'user-q', [meta(T0, 'https://quiet.example/'), click(T0 + 1)])), 'capture');

    const records = (await aws.kinesisEvent(aws.streams.recordings)).Records;
    expect(records.length).toBeGreaterThanOrEqual(3);
    expect(new Set(records.map((r) => r.kinesis.partitionKey))).toEqual(new Set([`${team.apiToken}:${SESSION}`, `${quiet.apiToken}:${OFF_SESSION}`]));
    expect((await aws.kinesisEvent(aws.streams.events)).Records).toHaveLength(0);
  });

  test('/s/ with an unknown token or an undecodable body is a 4xx and writes nothing', async () => {
    const before = (await aws.kinesisEvent(aws.streams.recordings)).Records.length;
    const unknown = await invoke(lambdas.capture.handler, httpApiEvent(snapshotRequest('phc_no_such_project', SESSION, 'x', [click(T0)])), 'capture');
    expect(unknown.result).toMatchObject({ statusCode: 401 });
    const garbage = await invoke(lambdas.capture.handler, httpApiEvent({ method: 'POST', url: '/s/', headers: { 'content-type': 'application/json' }, body: '{not json' }), 'capture');
    expect((garbage.result as { statusCode: number }).statusCode).toBe(400);
    expect((await aws.kinesisEvent(aws.streams.recordings)).Records).toHaveLength(before);
  });

  test('the replay-consumer Lambda writes S3 blocks and ClickHouse rows; a redelivered batch writes nothing twice', async () => {
    const event = await aws.kinesisEvent(aws.streams.recordings);

    const first = await invoke(lambdas.replay.handler, event, 'replay-consumer');
    const again = await invoke(lambdas.replay.handler, event, 'replay-consumer');

    expect(first.result).toEqual({ batchItemFailures: [] });
    expect(again.result).toEqual({ batchItemFailures: [] });
    expect(first.metrics).toMatchObject({ replay_blocks_written: 1, replay_events_written: sent.length, replay_records_dropped: 1 });
    expect(again.metrics.replay_blocks_written ?? 0).toBe(0);
    expect(again.metrics.replay_records_deduplicated).toBeGreaterThan(0);
    const blocks = await aws.blobs.list(`replay/90d/${team.id}/${SESSION}/`);
    expect(blocks).toHaveLength(1);
    expect(await aws.blobs.list(`replay/30d/${quiet.id}/`)).toEqual([]);
    const rows = await store.query<{ n: string }>('SELECT count() AS n FROM session_replay_blocks WHERE team_id = {team:Int64}', { params: { team: team.id } });
    expect(Number(rows[0].n)).toBe(1);
  });

  test('a poison record goes to the dead-letter store and the batch moves on', async () => {
    const poison = structuredClone(await aws.kinesisEvent(aws.streams.recordings));
    poison.Records.splice(1);
    poison.Records[0].kinesis.data = Buffer.from('not a replay record').toString('base64');
    const { result, metrics } = await invoke(lambdas.replay.handler, poison, 'replay-consumer');
    expect(result).toEqual({ batchItemFailures: [] });
    expect(metrics.replay_dead_letters).toBe(1);
    expect(await createBlobDeadLetterStore(aws.blobs).list('replay-consumer')).toEqual([expect.objectContaining({ reason: 'unparseable_record' })]);
  });

  test('the api Lambda lists the recording with its counts, serves its snapshots from S3, and deletes it', async () => {
    const list = await api('GET', '/api/projects/@current/session_recordings/');
    expect(list.status).toBe(200);
    const [recording] = list.json().results;
    expect(list.json().results).toHaveLength(1);
    expect(recording).toMatchObject({ id: SESSION, distinct_id: 'user-r', start_time: new Date(T0).toISOString(), console_error_count: 1, retention_period_days: 90, start_url: expect.any(String) });
    expect(recording.click_count).toBeGreaterThanOrEqual(1);

    const sources = await api('GET', `/api/projects/@current/session_recordings/${SESSION}/snapshots/`);
    expect(sources.status).toBe(200);
    const blobs = sources.json().sources as { source: string; blob_key: string }[];
    expect(blobs).toEqual([expect.objectContaining({ source: 'blob_v2', blob_key: '0' })]);
    const snapshots = await api('GET', `/api/projects/@current/session_recordings/${SESSION}/snapshots/?source=blob_v2&blob_key=0`);
    expect(snapshots.status).toBe(200);
    const lines = snapshots.body.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as [string, { type: number; timestamp: number }]);
    expect(lines).toHaveLength(sent.length);
    expect(lines.map(([, e]) => e.type)).toEqual(sent.map((e) => (e as { type: number }).type));

    expect((await api('DELETE', `/api/projects/@current/session_recordings/${SESSION}/`)).status).toBe(204);
    expect(await aws.blobs.list(`replay/90d/${team.id}/${SESSION}/`)).toEqual([]);
    expect((await api('GET', `/api/projects/@current/session_recordings/${SESSION}/`)).status).toBe(404);
  });
});
