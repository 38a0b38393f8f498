import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TeamDirectory } from '../../lib/accounts/team-directory';
import { FileLog } from '../../lib/adapters/local/file-log/file-log';
import { createClickHouseLoader } from '../../lib/clickhouse/loader';
import type { DeadLetter, DeadLetterStore } from '../../lib/dead-letters/dead-letter-store';
import { createIngestionConsumer } from '../../lib/ingestion/ingestion-consumer';
import type { CapturedEvent, CapturedRecord } from '../../lib/ingestion/records';
import { silentLogger } from '../../lib/observability/logger';
import { MemoryMetrics } from '../../lib/observability/metrics';
import { personUuidFor } from '../../lib/persons/person-uuid';
import type { AnalyticsStore } from '../../lib/ports/analytics-store';
import type { BatchHandler, EventBus, StreamBatch } from '../../lib/ports/bus';
import type { Database } from '../../lib/ports/database';
import { capturedRecord, kinesisBatchOf } from '../support/captured-records';
import { openTestStore } from '../support/chdb';
import { createTestPglite } from '../support/pglite';
import { insertTestTeam } from '../support/teams';

let db: Database;
let store: AnalyticsStore;
let log: FileLog;
let teamId: number;
let token: string;
let ingest: BatchHandler;
let load: BatchHandler;
const letters: DeadLetter[] = [];
const metrics = new MemoryMetrics();
const deadLetters: DeadLetterStore = { write: async (l) => void letters.push(l), list: async () => letters };

const record = (distinctId: string, events: Partial<CapturedEvent>[], over: Partial<CapturedRecord> = {}) => capturedRecord({ teamId, token }, distinctId, events, over);

const consumed: number[] = [];

/** Runs the ingestion consumer on a batch, then the loader on what it produced. */
async function run(batch: StreamBatch, loader: BatchHandler = load) {
  const result = await ingest(batch);
  const produced = log.shardsOf('events_processed').flatMap((s, i) => {
    const records = s.read(consumed[i] ?? 0, 100_000, 1 << 30);
    consumed[i] = s.endOffset;
    return records;
  });
  await loader(kinesisBatchOf(...produced.map((r) => r.data.toString())));
  return result;
}

beforeAll(async () => {
  db = await createTestPglite();
  store = await openTestStore();
  log = FileLog.open({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-pipe-')), shards: 1 });
  ({ teamId, token } = await insertTestTeam(db));
  ingest = createIngestionConsumer({ db, bus: log, teams: new TeamDirectory(db), deadLetters, logger: silentLogger, metrics });
  load = createClickHouseLoader({ store, deadLetters, logger: silentLogger, metrics });
});

afterAll(async () => {
  await log.close();
  await store.close();
  await db.close();
});

const events = (where = '1') =>
  store.query<{ event: string; distinct_id: string; person_id: string; person_mode: string; person_properties: string; properties: string }>(
    `SELECT event, distinct_id, toString(person_id) AS person_id, person_mode, person_properties, properties FROM events WHERE team_id = {t:Int64} AND ${where} ORDER BY timestamp, event`,
    { params: { t: teamId } },
  );

describe('ingestion consumer → events_processed → ClickHouse loader', () => {
  it('lands events with person-on-events columns, and persons and distinct ids', async () => {
    const result = await run(
      kinesisBatchOf(
        record('anon-1', [{ event: '$pageview', properties: { $browser: 'Firefox', $current_url: 'https://a.test/x', $process_person_profile: false } }]),
        record('user-1', [
          { event: '$identify', properties: { $anon_distinct_id: 'anon-1', $browser: 'Firefox' }, $set: { email: 'u1@a.test' } },
          { event: 'purchase', properties: { price: 10, $groups: { company: 'acme' } } },
        ]),
      ),
    );
    expect(result.batchItemFailures).toEqual([]);
    const rows = await events();
    expect(rows.map((r) => [r.event, r.person_mode])).toEqual([
      ['$pageview', 'propertyless'],
      ['$identify', 'full'],
      ['purchase', 'full'],
    ]);
    expect(rows[0].person_id).toBe(personUuidFor(teamId, 'anon-1'));
    expect(rows[1].person_id).toBe(personUuidFor(teamId, 'user-1'));
    expect(JSON.parse(rows[2].person_properties)).toMatchObject({ email: 'u1@a.test', $browser: 'Firefox', $initial_browser: 'Firefox' });
    expect(JSON.parse(rows[2].properties)).toMatchObject({ price: 10, $group_0: 'acme' });

    const pdi = await store.query<{ distinct_id: string; person: string; v: string }>(
      `SELECT distinct_id, toString(argMax(person_id, version)) AS person, max(version) AS v FROM person_distinct_id2 WHERE team_id = {t:Int64} GROUP BY distinct_id ORDER BY distinct_id`,
      { params: { t: teamId } },
    );
    expect(pdi.map((r) => [r.distinct_id, r.person, Number(r.v)])).toEqual([
      ['anon-1', personUuidFor(teamId, 'user-1'), 1],
      ['user-1', personUuidFor(teamId, 'user-1'), 0],
    ]);
    const overrides = await store.query('SELECT distinct_id FROM person_distinct_id_overrides WHERE team_id = {t:Int64}', { params: { t: teamId } });
    expect(overrides).toEqual([{ distinct_id: 'anon-1' }]);
  });

  it('writes group rows and attaches group properties to later events', async () => {
    await run(kinesisBatchOf(record('$company_globex', [{ event: '$groupidentify', properties: { $group_type: 'company', $group_key: 'globex', $group_set: { name: 'Globex' } } }])));
    await run(kinesisBatchOf(record('user-g', [{ event: 'used', properties: { $groups: { company: 'globex' } } }])));
    const [row] = await store.query<{ group0_properties: string }>(
      "SELECT group0_properties FROM events WHERE team_id = {t:Int64} AND event = 'used'",
      { params: { t: teamId } },
    );
    expect(JSON.parse(row.group0_properties)).toEqual({ name: 'Globex' });
    const groups = await store.query('SELECT group_key, group_properties FROM groups WHERE team_id = {t:Int64}', { params: { t: teamId } });
    expect(groups).toEqual([{ group_key: 'globex', group_properties: '{"name":"Globex"}' }]);
    // $groupidentify creates no person for its synthetic distinct id.
    const { rows } = await db.query("SELECT 1 FROM posthog_persondistinctid WHERE distinct_id = '$company_globex'");
    expect(rows).toHaveLength(0);
  });

  it('stores $elements_chain in its column, and a personless event without $set/$set_once/$unset', async () => {
    await run(
      kinesisBatchOf(
        record('anon-strip', [
          {
            event: '$autocapture',
            properties: { $elements_chain: 'button.cta:text="Buy"nth-child="1"', $set: { a: 1 }, $set_once: { b: 2 }, $unset: ['c'], $process_person_profile: false, kept: 'yes' },
          },
        ]),
      ),
    );
    const [row] = await store.query<{ properties: string; elements_chain: string }>(
      "SELECT properties, elements_chain FROM events WHERE team_id = {t:Int64} AND distinct_id = 'anon-strip'",
      { params: { t: teamId } },
    );
    expect(row.elements_chain).toBe('button.cta:text="Buy"nth-child="1"');
    const properties = JSON.parse(row.properties) as Record<string, unknown>;
    expect(properties).toMatchObject({ kept: 'yes', $process_person_profile: false });
    for (const key of ['$elements_chain', '$set', '$set_once', '$unset']) expect(properties).not.toHaveProperty(key);
  });

  it('inserts persons, distinct ids and groups before the events, so a readable event has its person', async () => {
    const tables: string[] = [];
    const recording = Object.create(store) as AnalyticsStore;
    recording.insertJsonLines = (table, body) => {
      tables.push(table);
      return store.insertJsonLines(table, body);
    };
    const loadRecorded = createClickHouseLoader({ store: recording, deadLetters, logger: silentLogger, metrics });
    await run(kinesisBatchOf(record('order-1', [{ event: 'ordered', properties: { $groups: { company: 'order-co' } } }])), loadRecorded);
    expect(tables.indexOf('person')).toBeGreaterThanOrEqual(0);
    expect(tables.indexOf('person')).toBeLessThan(tables.indexOf('events'));
    expect(tables.indexOf('person_distinct_id2')).toBeLessThan(tables.indexOf('events'));
  });

  it('does not duplicate rows when a batch is delivered twice', async () => {
    const batch = kinesisBatchOf(record('user-dup', [{ event: 'dup-a' }, { event: 'dup-b' }]));
    await run(batch);
    await run(batch);
    expect((await events("event LIKE 'dup-%'")).map((r) => r.event)).toEqual(['dup-a', 'dup-b']);
  });

  it('keeps the person rows of a batch whose event rows failed to go out: the retry, which changes no person, lands the events', async () => {
    let failEventPuts = 1;
    const bus: EventBus = {
      put: async (stream, records) => {
        if (records.some((r) => Buffer.from(r.data).includes('\nE\t')) && failEventPuts > 0 && failEventPuts--) throw new Error('Kinesis is unreachable');
        return log.put(stream, records);
      },
      close: async () => undefined,
    };
    const flaky = createIngestionConsumer({ db, bus, teams: new TeamDirectory(db), deadLetters, logger: silentLogger, metrics });
    const batch = kinesisBatchOf(record('user-put', [{ event: 'put-retried', $set: { email: 'put@a.test' } }]));
    await expect(flaky(batch)).rejects.toThrow('Kinesis is unreachable');
    expect(await flaky(batch)).toEqual({ batchItemFailures: [] });
    await run(kinesisBatchOf()); // loads what the two attempts put

    expect((await events("event = 'put-retried'")).map((r) => JSON.parse(r.person_properties))).toEqual([{ email: 'put@a.test' }]);
    const persons = await store.query<{ properties: string }>('SELECT properties FROM person FINAL WHERE team_id = {t:Int64} AND id = {id:UUID}', {
      params: { t: teamId, id: personUuidFor(teamId, 'user-put') },
    });
    expect(persons.map((p) => JSON.parse(p.properties))).toEqual([{ email: 'put@a.test' }]);
  });

  it('dead-letters a poison record while the rest of the batch lands', async () => {
    const before = letters.length;
    const result = await run(kinesisBatchOf('{"not":"a record"', record('user-ok', [{ event: 'after-poison' }]), JSON.stringify({ v: 1, events: 'nope' })));
    expect(result.batchItemFailures).toEqual([]);
    expect(letters.slice(before).map((l) => l.reason)).toEqual(['unparseable_record', 'invalid_record_shape']);
    expect(await events("event = 'after-poison'")).toHaveLength(1);
  });

  it('dead-letters the rows too large for a bus record (an event row, a person row) instead of dropping them', async () => {
    const before = letters.length;
    const big = (c: string) => c.repeat(350_000);
    // One person gathers ~1.05 MB of properties: the second and third event rows (their
    // person_properties included) and the person row pass the 1 MB record limit.
    const result = await run(kinesisBatchOf(record('user-big', [{ event: 'big-1', $set: { a: big('a') } }, { event: 'big-2', $set: { b: big('b') } }, { event: 'big-3', $set: { c: big('c') } }])));
    expect(result.batchItemFailures).toEqual([]);
    const added = letters.slice(before);
    expect(added.map((l) => l.reason).sort()).toEqual(['person_row_too_large', 'row_too_large', 'row_too_large']);
    const person = added.find((l) => l.reason === 'person_row_too_large')!;
    expect(person.partitionKey).toBe(`${teamId}:persons`);
    const line = Buffer.from(person.data, 'base64').toString('utf8');
    expect(line.startsWith('P\t')).toBe(true);
    const row = JSON.parse(line.slice(2)) as { id: string; properties: string };
    expect(row.id).toBe(personUuidFor(teamId, 'user-big'));
    expect(Object.keys(JSON.parse(row.properties)).sort()).toEqual(['a', 'b', 'c']);
    expect(metrics.get('ingestion_dead_letters', { reason: 'person_row_too_large' })).toBe(1);
    // The first event fits and lands; Postgres holds the whole person.
    expect((await events("event LIKE 'big-%'")).map((r) => r.event)).toEqual(['big-1']);
    const stored = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM posthog_person WHERE team_id = $1 AND properties ? 'c'", [teamId]);
    expect(stored.rows[0]!.n).toBe(1);
  });

  it('drops the records of an unknown team and counts the drop cause', async () => {
    await run(kinesisBatchOf(record('ghost', [{ event: 'ghost-event' }], { team_id: 999_999 })));
    expect(metrics.get('ingestion_events_dropped', { drop_cause: 'unknown_team' })).toBe(1);
  });

  it('reports the records of a team whose person processing fails, so they are retried', async () => {
    const failing: Database = { ...db, transaction: async () => Promise.reject(new Error('database is down')), query: db.query.bind(db), close: db.close.bind(db) };
    const consumer = createIngestionConsumer({ db: failing, bus: log, teams: new TeamDirectory(db), deadLetters, logger: silentLogger, metrics });
    const batch = kinesisBatchOf(record('user-x', [{ event: 'x' }]));
    expect(await consumer(batch)).toEqual({ batchItemFailures: [{ itemIdentifier: batch.Records[0].kinesis.sequenceNumber }] });
  });
});
