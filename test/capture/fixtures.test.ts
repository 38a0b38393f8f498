import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { capturePathOf } from '../../lib/capture/paths';
import { partitionKeyOf } from '../../lib/ingestion/records';
import { CLIENT_IP, harness, NOW, request, TEAM_ID } from './capture-harness';

/** The real SDK captures (test/fixtures/sdk-wire, copied from ../shared/fixtures): bodies re-gzipped as sent, headers from the logs. */
const WIRE = join(__dirname, '../fixtures/sdk-wire');

interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  hdrs: Record<string, string>;
}

const logOf = (file: string): LoggedRequest[] =>
  readFileSync(join(WIRE, file), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LoggedRequest);

/** Headers of the first logged POST to `path`, minus the length (the body is re-encoded). */
function headersFor(log: LoggedRequest[], path: string): Record<string, string> {
  const logged = log.find((r) => r.method === 'POST' && r.path === path);
  if (!logged) throw new Error(`no logged POST ${path}`);
  const { 'content-length': _length, ...headers } = logged.hdrs;
  return headers;
}

interface Body {
  api_key?: string;
  sent_at?: string;
  batch: { uuid: string; event: string; distinct_id?: string; timestamp: string; properties: Record<string, unknown>; $set?: unknown }[];
}

const sdkFixtures = (sdk: string) =>
  readdirSync(join(WIRE, sdk))
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, path: `/${file.replace(/^\d+-/, '').replace(/\.json$/, '').replaceAll('_', '/')}/` }));

const cases = [
  ...sdkFixtures('posthog-js').map((f) => ({ ...f, sdk: 'posthog-js', log: 'posthog-js/requests-with-recording.jsonl' })),
  ...sdkFixtures('posthog-node').map((f) => ({ ...f, sdk: 'posthog-node', log: 'posthog-node/requests.jsonl' })),
];
const captureCases = cases.filter((c) => capturePathOf(c.path));

test('the fixtures hold capture bodies of both SDKs', () => {
  expect(captureCases.filter((c) => c.sdk === 'posthog-js').map((c) => c.path)).toEqual(['/e/', '/i/v0/e/', '/i/v0/e/', '/i/v0/e/']);
  expect(captureCases.filter((c) => c.sdk === 'posthog-node')).toHaveLength(6);
});

/** What capture must have made of `body`: one record per distinct id, events as sent plus $ip, skew-corrected times. */
function expectRecordsOf(body: Body, records: ReturnType<ReturnType<typeof harness>['bus']['captured']>) {
  const sentAt = Date.parse(body.sent_at as string);
  const events = records.flatMap((r) => r.events);
  expect(events.map((e) => e.uuid)).toEqual(body.batch.map((e) => e.uuid));
  for (const record of records) {
    expect(record).toMatchObject({ v: 1, team_id: TEAM_ID, token: body.api_key, ip: CLIENT_IP, now: NOW.toISOString(), sent_at: new Date(sentAt).toISOString() });
    for (const e of record.events) expect(e.distinct_id).toBe(record.distinct_id);
  }
  body.batch.forEach((sent, i) => {
    const stored = events[i];
    expect(stored.event).toBe(sent.event);
    expect(stored.distinct_id).toBe(sent.distinct_id ?? sent.properties.distinct_id);
    expect(stored.properties).toEqual({ ...sent.properties, $ip: CLIENT_IP });
    expect(stored.timestamp).toBe(new Date(NOW.getTime() + Date.parse(sent.timestamp) - sentAt).toISOString());
    if (sent.$set !== undefined) expect(stored.$set).toEqual(sent.$set);
  });
}

describe.each(captureCases)('$sdk $file → POST $path', ({ file, path, sdk, log }) => {
  const raw = readFileSync(join(WIRE, sdk, file));
  const body = JSON.parse(raw.toString('utf8')) as Body;
  const headers = headersFor(logOf(log), path);

  test('as sent (gzip): 200 {"status":"Ok"} and the right records', async () => {
    const { handler, bus } = harness();
    const response = await handler(request({ path, headers, body: gzipSync(raw) }));
    expect(response).toMatchObject({ status: 200, body: '{"status":"Ok"}' });
    expect(bus.puts).toHaveLength(1);
    const records = bus.captured();
    const ids = [...new Set(body.batch.map((e) => e.distinct_id ?? (e.properties.distinct_id as string)))];
    expect(bus.records.map((r) => r.partitionKey).sort()).toEqual(ids.map((id) => partitionKeyOf(body.api_key as string, id)).sort());
    expectRecordsOf(body, records);
  });

  if (sdk === 'posthog-js') {
    // posthog-js without remote config (requests-without-remote-config.jsonl): plain JSON, and the base64 form beacon
    const fallback = logOf('posthog-js/requests-without-remote-config.jsonl');

    test('as plain JSON (no remote config): same records', async () => {
      const { handler, bus } = harness();
      const plain = fallback.find((r) => r.method === 'POST' && r.hdrs['content-type'] === 'application/json') as LoggedRequest;
      const { 'content-length': _l, ...plainHeaders } = plain.hdrs;
      expect((await handler(request({ path, headers: plainHeaders, body: raw }))).status).toBe(200);
      expectRecordsOf(body, bus.captured());
    });

    test('as a base64 form with ?compression=base64 (unload beacon): same records', async () => {
      const { handler, bus } = harness();
      const form = fallback.find((r) => r.query.includes('compression=base64') && r.path === '/e/') as LoggedRequest;
      const { 'content-length': _l, ...formHeaders } = form.hdrs;
      const formBody = `data=${encodeURIComponent(raw.toString('base64'))}`;
      const response = await handler(request({ path, query: form.query.slice(1), headers: formHeaders, body: formBody }));
      expect(response.status).toBe(200);
      expectRecordsOf(body, bus.captured());
    });
  }
});

test('the preflight posthog-js sends before plain JSON is answered 200 with CORS', async () => {
  const preflight = logOf('posthog-js/requests-without-remote-config.jsonl').find((r) => r.method === 'OPTIONS') as LoggedRequest;
  const { handler } = harness();
  const response = await handler(request({ method: 'OPTIONS', path: preflight.path, headers: { ...preflight.hdrs, origin: 'http://127.0.0.1:8011' } }));
  expect(response.status).toBe(200);
  expect(response.headers).toMatchObject({
    'access-control-allow-origin': 'http://127.0.0.1:8011',
    'access-control-allow-credentials': 'true',
    'access-control-allow-headers': 'content-type',
  });
  expect(response.headers?.['access-control-allow-methods']).toContain('POST');
});

test('the replay body (/s/) is not served here yet', async () => {
  const { handler } = harness();
  const response = await handler(request({ path: '/s/', body: gzipSync(readFileSync(join(WIRE, 'posthog-js/06-s.json'))) }));
  expect(response.status).toBe(404);
});
