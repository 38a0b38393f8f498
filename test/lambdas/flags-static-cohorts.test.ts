import { gzipSync } from 'node:zlib';
import { type Team } from '../../lib/accounts/accounts-repository';
import { addStaticCohortMembers } from '../../lib/flags/cohort-repository';
import { PERSONS_PROJECTION_FORMAT } from '../../lib/flags/projection-keys';
import { personUuidFor } from '../../lib/persons/person-uuid';
import { processPersons } from '../../lib/persons/process-persons';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import { type LambdaEnvironment } from '../support/lambda-environment';
import { customResourceEvent, httpApiEvent } from '../support/lambda-events';
import { httpOf, invoke } from '../support/lambda-invoke';
import { apiCaller, startLambdaTest, stopLambdaTest } from '../support/lambda-project';

/**
 * A flag on a static cohort, answered by the flags Lambda — which reads only DynamoDB — after
 * (a) members are added through the api Lambda, (b) a member is merged into another person by the
 * ingestion-consumer Lambda, (c) the migrate Lambda backfills persons that predate the projection.
 * Tests run in file order and build on each other.
 */
type Handlers = {
  api: typeof import('../../lambdas/api');
  flags: typeof import('../../lambdas/flags');
  capture: typeof import('../../lambdas/capture');
  consumer: typeof import('../../lambdas/ingestion-consumer');
  migrate: typeof import('../../lambdas/migrate');
};

let aws: LambdaEnvironment;
let store: AnalyticsStore;
let lambdas: Handlers;
let team: Team;
let key: string;
let cohortId: number;
/** Sequence numbers of the `events` records the consumer has had (the stream has two shards). */
const consumed = new Set<string>();

beforeAll(async () => {
  ({ aws, store, project: { team, key } } = await startLambdaTest('flags_static', 'Static cohorts'));
  Object.assign(process.env, aws.env);
  lambdas = {
    api: await import('../../lambdas/api'),
    flags: await import('../../lambdas/flags'),
    capture: await import('../../lambdas/capture'),
    consumer: await import('../../lambdas/ingestion-consumer'),
    migrate: await import('../../lambdas/migrate'),
  };
}, 60_000);

afterAll(async () => {
  await stopLambdaTest(store, aws);
});

const api = apiCaller(() => lambdas.api.handler, () => key);

/** Whether /flags (flags Lambda) turns `beta` on for the distinct id. */
const betaFor = async (distinctId: string): Promise<boolean> => {
  const res = httpOf((await invoke(lambdas.flags.handler, httpApiEvent({ method: 'POST', url: '/flags/?v=2', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: team.apiToken, distinct_id: distinctId }) }), 'flags')).result);
  expect(res.json()).toMatchObject({ errorsWhileComputingFlags: false });
  return res.json().flags.beta.enabled;
};

/** Captures events (capture Lambda), then runs the ingestion-consumer Lambda on the records it has not seen. */
async function ingest(events: { event: string; distinct_id: string; properties?: Record<string, unknown> }[]): Promise<void> {
  const batch = events.map((e) => ({ event: e.event, properties: { distinct_id: e.distinct_id, token: team.apiToken, ...e.properties }, timestamp: new Date().toISOString() }));
  const captured = await invoke(lambdas.capture.handler, httpApiEvent({ method: 'POST', url: '/i/v0/e/', headers: { 'content-type': 'text/plain' }, body: gzipSync(JSON.stringify({ api_key: team.apiToken, batch })) }), 'capture');
  expect(captured.result).toMatchObject({ statusCode: 200 });
  const all = await aws.kinesisEvent(aws.streams.events);
  const fresh = { Records: all.Records.filter((r) => !consumed.has(r.kinesis.sequenceNumber)) };
  for (const r of fresh.Records) consumed.add(r.kinesis.sequenceNumber);
  expect((await invoke(lambdas.consumer.handler, fresh, 'ingestion-consumer')).result).toEqual({ batchItemFailures: [] });
}

describe('a flag on a static cohort, served from the projection', () => {
  test('(a) members added through the api are projected, and /flags answers for them', async () => {
    await ingest(['member-a', 'anon-b', 'user-b', 'outsider'].map((id) => ({ event: '$pageview', distinct_id: id, properties: { $set: { name: id } } })));
    const cohort = await api('POST', '/api/projects/@current/cohorts/', { name: 'Beta testers', is_static: true, distinct_ids: ['member-a'] });
    expect(cohort.status).toBe(201);
    cohortId = cohort.json().id;
    const flag = await api('POST', '/api/projects/@current/feature_flags/', {
      key: 'beta',
      filters: { groups: [{ properties: [{ key: 'id', type: 'cohort', value: cohortId }], rollout_percentage: 100 }] },
    });
    expect(flag.status).toBe(201);
    const added = await api('PATCH', `/api/projects/@current/cohorts/${cohortId}/add_persons_to_static_cohort/`, { person_ids: [personUuidFor(team.id, 'anon-b')] });
    expect(added.status).toBe(200);

    expect(await aws.kv.get(`flags-static:${team.id}:${personUuidFor(team.id, 'member-a')}`)).toEqual([cohortId]);
    expect(await betaFor('member-a')).toBe(true);
    expect(await betaFor('anon-b')).toBe(true);
    expect(await betaFor('user-b')).toBe(false);
    expect(await betaFor('outsider')).toBe(false);

    const removed = await api('PATCH', `/api/projects/@current/cohorts/${cohortId}/remove_person_from_static_cohort/`, { person_id: personUuidFor(team.id, 'member-a') });
    expect(removed.status).toBe(200);
    expect(await betaFor('member-a')).toBe(false);
  });

  test('(b) a member merged into another person: the survivor is a member', async () => {
    await ingest([{ event: '$identify', distinct_id: 'user-b', properties: { $anon_distinct_id: 'anon-b' } }]);
    expect(await aws.kv.get(`flags-did:${team.id}:anon-b`)).toBe(personUuidFor(team.id, 'user-b'));
    expect(await aws.kv.get(`flags-static:${team.id}:${personUuidFor(team.id, 'anon-b')}`)).toBeUndefined();
    expect(await betaFor('user-b')).toBe(true);
    expect(await betaFor('anon-b')).toBe(true);
  });

  test('(c) persons that predate the projection are served after the migrate Lambda’s backfill, once', async () => {
    // Written to Postgres alone, as before the projection existed.
    await processPersons(aws.db, team.id, ['old-1', 'old-2'].map((distinctId) => ({ event: 'pageview', distinctId, processPerson: true, updates: {}, timestamp: new Date().toISOString() })));
    await aws.db.transaction((tx) => addStaticCohortMembers(tx, team.id, cohortId, { distinctIds: ['old-1'] }));
    expect(await betaFor('old-1')).toBe(false);

    await lambdas.migrate.handler(customResourceEvent('Update', { MigrationsVersion: 'v1', ProjectionFormat: String(PERSONS_PROJECTION_FORMAT) }));

    expect(await aws.kv.get(`flags-backfilled:${team.id}`)).toBe(PERSONS_PROJECTION_FORMAT);
    expect(await betaFor('old-1')).toBe(true);
    expect(await betaFor('old-2')).toBe(false);
    expect(await betaFor('user-b')).toBe(true);

    // A later deploy at the same projection format does not scan the team's persons again.
    await processPersons(aws.db, team.id, [{ event: 'pageview', distinctId: 'old-3', processPerson: true, updates: {}, timestamp: new Date().toISOString() }]);
    await aws.db.transaction((tx) => addStaticCohortMembers(tx, team.id, cohortId, { distinctIds: ['old-3'] }));
    await lambdas.migrate.handler(customResourceEvent('Update', { MigrationsVersion: 'v2', ProjectionFormat: String(PERSONS_PROJECTION_FORMAT) }));
    expect(await aws.kv.get(`flags-did:${team.id}:old-3`)).toBeUndefined();
  }, 60_000);
});
