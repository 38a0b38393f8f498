/**
 * The local platform with KINESIS_ENDPOINT at kinesalite (chDB and PGlite embedded): an event
 * captured over HTTP goes through the Kinesis streams, which the platform created, and shows
 * up in the events API.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../lib/adapters/aws/kinesis-bus';
import { listShards } from '../../lib/adapters/aws/kinesis-streams';
import { silentLogger } from '../../lib/observability/logger';
import { loadLocalConfig } from '../../lib/platform/config';
import { startLocalPlatform, type LocalPlatform } from '../../lib/platform/local-platform';
import { TEST_CREDENTIALS, TEST_REGION, startKinesalite, type Emulator } from '../support/aws-emulators';

let kinesalite: Emulator;
let platform: LocalPlatform;
let client: KinesisClient;
let dataDir: string;
const savedEnv = { ...process.env };

/** Every record's bytes in a stream, as text. */
async function readStream(name: string): Promise<string[]> {
  const out: string[] = [];
  for (const shard of await listShards(client, name)) {
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    const page = await client.send(new GetRecordsCommand({ ShardIterator }));
    for (const r of page.Records ?? []) out.push(Buffer.from(r.Data!).toString());
  }
  return out;
}

beforeAll(async () => {
  kinesalite = await startKinesalite();
  // The SDK's default credential chain reads these; kinesalite accepts any.
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  client = createKinesisClient({ endpoint: kinesalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-kinesis-'));
  const config = loadLocalConfig(['--port', '0', '--data-dir', dataDir], { KINESIS_ENDPOINT: kinesalite.endpoint, AWS_REGION: TEST_REGION });
  platform = await startLocalPlatform(config, silentLogger);
}, 90_000);

afterAll(async () => {
  await platform?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  client?.destroy();
  await kinesalite?.stop();
  process.env = savedEnv;
});

it('captures an event through Kinesis into the events API', async () => {
  const uuid = randomUUID();
  const capture = await fetch(`${platform.url}/batch/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: platform.team.apiToken, batch: [{ uuid, event: 'via-kinesis', distinct_id: 'kinesis-user', properties: { plan: 'pro' } }] }),
  });
  expect(capture.status).toBe(200);
  await platform.flush();

  const res = await fetch(`${platform.url}/api/projects/@current/events/?event=via-kinesis`, { headers: { authorization: `Bearer ${platform.personalApiKey}` } });
  const body = (await res.json()) as { results: { id: string; event: string; distinct_id: string; properties: Record<string, unknown> }[] };
  expect(body.results).toHaveLength(1);
  expect(body.results[0]).toMatchObject({ id: uuid, event: 'via-kinesis', distinct_id: 'kinesis-user', properties: { plan: 'pro' } });

  // The event travelled on the streams the platform created, not on a local log.
  expect((await readStream('hedgerow-events')).some((text) => text.includes(uuid))).toBe(true);
  expect((await readStream('hedgerow-events-processed')).some((text) => text.includes(uuid))).toBe(true);
  expect(fs.existsSync(path.join(dataDir, 'bus'))).toBe(false);

  const health = (await (await fetch(`${platform.url}/_health`)).json()) as { consumers: Record<string, Record<string, number>> };
  expect(Object.keys(health.consumers).sort()).toEqual(['clickhouse-loader', 'ingestion-consumer', 'replay-consumer']);
  expect(health.consumers['ingestion-consumer']).toMatchObject({ millis_behind_latest: 0, shards: 2 });

  // The ingestion consumer checkpointed the shard that carried the event.
  const shards = await listShards(client, 'hedgerow-events');
  const checkpoints = await Promise.all(shards.map((s) => platform.kv.get(`kinesis-checkpoint:ingestion-consumer:hedgerow-events:${s.ShardId}`)));
  expect(checkpoints.filter(Boolean)).toHaveLength(1);
}, 60_000);
