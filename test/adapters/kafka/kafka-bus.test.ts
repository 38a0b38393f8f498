import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus, PRODUCE_MAX_BYTES, RECORD_OVERHEAD_BYTES, chunkMessages } from '../../../lib/adapters/kafka/kafka-bus';
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { createKafka, mskIamSasl } from '../../../lib/adapters/kafka/kafka-client';
import { mskIamToken } from '../../../lib/adapters/kafka/msk-iam-token';
import { BusUnavailableError, MAX_RECORD_BYTES, RecordTooLargeError, type BusRecord } from '../../../lib/ports/bus';
import { startMockKafka, type MockKafkaCluster } from '../../support/kafka/mock-cluster';
import { readMskEvent } from '../../support/kafka/msk-events';

/** The Kafka bus against a Kafka cluster over TCP (librdkafka's mock cluster), with the real kafkajs client. */
let cluster: MockKafkaCluster;
let kafka: Kafka;

beforeAll(async () => {
  cluster = await startMockKafka({ events: 4, processed: 2 });
  kafka = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING });
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

const record = (key: string, text: string): BusRecord => ({ partitionKey: key, data: Buffer.from(text) });

/** Every message of a topic so far: partition, key and value. */
async function readAll(topic: string): Promise<{ partition: number; key: string; value: string }[]> {
  const event = await readMskEvent(kafka, topic);
  return Object.values(event.records)
    .flat()
    .map((r) => ({ partition: r.partition, key: Buffer.from(r.key, 'base64').toString(), value: Buffer.from(r.value, 'base64').toString() }));
}

describe('KafkaBus', () => {
  it('stores every record with its partition key as the message key; one key stays on one partition, in order', async () => {
    const bus = new KafkaBus({ kafka: createKafka({ brokers: cluster.brokers }), topics: { events: 'events' } });
    const keys = ['phc_a:user-1', 'phc_a:user-2', 'phc_b:user-1', 'phc_a:user-3'];
    const records = Array.from({ length: 40 }, (_, i) => record(keys[i % keys.length], `event-${i}`));
    await bus.put('events', records.slice(0, 20));
    await bus.put('events', records.slice(20));
    await bus.close();

    const stored = await readAll('events');
    expect(stored.map((s) => s.value).sort()).toEqual(records.map((r) => Buffer.from(r.data).toString()).sort());
    for (const key of keys) {
      const ofKey = stored.filter((s) => s.key === key);
      expect(new Set(ofKey.map((s) => s.partition)).size).toBe(1);
      const order = ofKey.map((s) => Number(s.value.slice('event-'.length)));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // Four keys over four partitions: the partitioner spreads them (murmur2 puts these on more than one).
    expect(new Set(stored.map((s) => s.partition)).size).toBeGreaterThan(1);
  }, 30_000);

  it('refuses a record too large for the bus, or without a partition key, before anything is sent', async () => {
    const bus = new KafkaBus({ kafka: createKafka({ brokers: cluster.brokers }), topics: { events_processed: 'processed' } });
    const big = { partitionKey: 'k', data: Buffer.alloc(MAX_RECORD_BYTES) };
    await expect(bus.put('events_processed', [record('k', 'small'), big])).rejects.toMatchObject({ name: 'RecordTooLargeError', index: 1 });
    await expect(bus.put('events_processed', [record('', 'no key')])).rejects.toBeInstanceOf(RecordTooLargeError);
    await bus.put('events_processed', [record('k', 'after')]);
    await bus.close();
    // Only the record of the last, valid put was stored.
    expect((await readAll('processed')).map((s) => s.value)).toEqual(['after']);
  }, 30_000);

  it('rejects with BusUnavailableError for a stream it has no topic for, or when no broker answers', async () => {
    const bus = new KafkaBus({ kafka: createKafka({ brokers: cluster.brokers }), topics: {} });
    await expect(bus.put('recordings', [record('k', 'x')])).rejects.toBeInstanceOf(BusUnavailableError);

    const nowhere = new KafkaBus({ kafka: createKafka({ brokers: ['127.0.0.1:1'] }), topics: { events: 'events' }, maxAttempts: 2 });
    await expect(nowhere.put('events', [record('k', 'x')])).rejects.toBeInstanceOf(BusUnavailableError);
    await nowhere.close();
  }, 30_000);

  it('a failed put disconnects only the producer it used, not one a later put has connected since', async () => {
    // Producers whose sends wait until the test settles them, and which fail once disconnected.
    const producers: { sends: { settle: (error?: Error) => void }[]; disconnected: boolean }[] = [];
    const kafkaStub = {
      producer: () => {
        const producer = { sends: [] as { settle: (error?: Error) => void }[], disconnected: false };
        producers.push(producer);
        return {
          connect: async () => undefined,
          disconnect: async () => void (producer.disconnected = true),
          send: () =>
            new Promise((resolve, reject) => {
              if (producer.disconnected) return reject(new Error('disconnected'));
              producer.sends.push({ settle: (error) => (error ? reject(error) : resolve([])) });
            }),
        };
      },
    } as unknown as Kafka;
    const bus = new KafkaBus({ kafka: kafkaStub, topics: { events: 'events' } });
    const sent = async (producer: number, sends: number) => {
      while (producers[producer]?.sends.length !== sends) await new Promise((resolve) => setImmediate(resolve));
    };

    const a = bus.put('events', [record('k', 'a')]);
    const b = bus.put('events', [record('k', 'b')]);
    await sent(0, 2);
    producers[0].sends[0].settle(new Error('broker gone'));
    await expect(a).rejects.toBeInstanceOf(BusUnavailableError);
    // A put after the failure connects a new producer, while b is still in flight on the old one.
    const c = bus.put('events', [record('k', 'c')]);
    await sent(1, 1);
    producers[0].sends[1].settle(new Error('broker gone'));
    await expect(b).rejects.toBeInstanceOf(BusUnavailableError);
    producers[1].sends[0].settle();
    await expect(c).resolves.toBeUndefined();
    expect(producers.map((p) => p.disconnected)).toEqual([true, false]);
    await bus.close();
  });

  it('splits a put into produce requests of at most PRODUCE_MAX_BYTES with their framing, in order', () => {
    const messages = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(400_000) }));
    const chunks = chunkMessages(messages);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 1]);
    expect(chunks.flat()).toEqual(messages);
    // Many small records: their framing counts (the broker's limit is on the record batch, not on the values).
    const small = Array.from({ length: 40_000 }, (_, i) => ({ key: `key-${i}`, value: Buffer.alloc(10) }));
    const smallChunks = chunkMessages(small);
    for (const chunk of [...chunks, ...smallChunks]) {
      expect(chunk.reduce((n, m) => n + (m.value as Buffer).byteLength + String(m.key).length + RECORD_OVERHEAD_BYTES, 0)).toBeLessThanOrEqual(PRODUCE_MAX_BYTES);
    }
    expect(smallChunks.length).toBeGreaterThan(1);
  });
});

describe('MSK IAM authentication', () => {
  const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjE+/session=' };
  const decode = (token: string) => new URL(Buffer.from(token, 'base64url').toString('utf8'));

  it("builds the token AWS's own signer library builds: the same presigned kafka-cluster:Connect request", async () => {
    const signingDate = new Date('2026-11-30T12:00:00Z');
    jest.useFakeTimers({ now: signingDate, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const ours = decode(await mskIamToken('eu-west-1', credentials, signingDate));
      const theirs = decode((await generateAuthTokenFromCredentialsProvider({ region: 'eu-west-1', awsCredentialsProvider: async () => credentials })).token);
      expect(ours.host).toBe('kafka.eu-west-1.amazonaws.com');
      expect(ours.searchParams.get('Action')).toBe('kafka-cluster:Connect');
      expect(ours.searchParams.get('X-Amz-Credential')).toBe('AKIAIOSFODNN7EXAMPLE/20261130/eu-west-1/kafka-cluster/aws4_request');
      expect(ours.searchParams.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);
      // Every signed parameter (the signature included) as AWS's library has it; only the User-Agent names its author.
      const signed = (url: URL) => [...url.searchParams].filter(([key]) => key !== 'User-Agent').sort();
      expect(signed(ours)).toEqual(signed(theirs));
      expect(ours.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(`${ours.origin}${ours.pathname}`).toBe(`${theirs.origin}${theirs.pathname}`);
    } finally {
      jest.useRealTimers();
    }
  });

  it('signs with the credential chain (here the environment), and the token never holds the secret key', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    try {
      const sasl = mskIamSasl('us-east-2') as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
      expect(sasl.mechanism).toBe('oauthbearer');
      const { value } = await sasl.oauthBearerProvider();
      expect(decode(value).searchParams.get('X-Amz-Credential')).toMatch(/^AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-2\/kafka-cluster\/aws4_request$/);
      expect(value).not.toContain('wJalrXUtnFEMI');
      expect(Buffer.from(value, 'base64url').toString()).not.toContain('wJalrXUtnFEMI');
    } finally {
      process.env = saved;
    }
  });
});
