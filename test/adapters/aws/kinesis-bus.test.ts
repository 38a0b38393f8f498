import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import { KinesisBus, chunkEntries, createKinesisClient } from '../../../lib/adapters/aws/kinesis-bus';
import { BusUnavailableError, MAX_RECORD_BYTES, RecordTooLargeError, type BusRecord } from '../../../lib/ports/bus';
import { TEST_CREDENTIALS, TEST_REGION, startKinesalite, type Emulator } from '../../support/aws-emulators';

let kinesalite: Emulator;
const run = `t${Date.now().toString(36)}`;
const streamName = (suffix: string) => `hedgerow-${run}-${suffix}`;

const newClient = () => createKinesisClient({ endpoint: kinesalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
const record = (key: string, text: string): BusRecord => ({ partitionKey: key, data: Buffer.from(text) });
const fast = { baseDelayMs: 1, maxDelayMs: 5 };

/** Counts the PutRecords calls the bus sends, and what each one carried (outermost middleware). */
function recordCalls(client: KinesisClient): PutRecordsCommandInput[] {
  const calls: PutRecordsCommandInput[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      if ('Records' in (args.input as object)) calls.push(args.input as PutRecordsCommandInput);
      return next(args);
    },
    { step: 'initialize', name: 'recordPutRecordsCalls', priority: 'high' },
  );
  return calls;
}

/**
 * Makes PutRecords calls behave as Kinesis does under shard throttling: the records chosen by
 * `fail` are not sent on (so they are not stored), and the response reports them failed at
 * their positions with ProvisionedThroughputExceededException, next to the real results of the rest.
 */
function throttle(client: KinesisClient, fail: (text: string, call: number) => boolean): void {
  let call = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as PutRecordsCommandInput;
      if (!('Records' in input)) return next(args);
      const thisCall = call++;
      const records = input.Records ?? [];
      const failed = records.map((r) => fail(Buffer.from(r.Data!).toString(), thisCall));
      const kept = records.filter((_, i) => !failed[i]);
      const throttled = { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard (test)' };
      if (kept.length === 0) {
        return { output: { $metadata: {}, FailedRecordCount: records.length, Records: records.map(() => throttled) }, response: {} } as never;
      }
      const result = await next({ ...args, input: { ...input, Records: kept } });
      const output = result.output as PutRecordsCommandOutput;
      let j = 0;
      const merged = records.map((_, i) => (failed[i] ? throttled : output.Records?.[j++]));
      const failedCount = (output.FailedRecordCount ?? 0) + failed.filter(Boolean).length;
      return { ...result, output: { ...output, FailedRecordCount: failedCount, Records: merged } };
    },
    { step: 'initialize', name: 'throttleSomeRecords', priority: 'low' },
  );
}

async function createStream(client: KinesisClient, name: string, shards = 2): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const { StreamDescriptionSummary: s } = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every record in the stream, shard by shard, in shard order. */
async function readAll(client: KinesisClient, name: string): Promise<{ key: string; text: string }[]> {
  const out: { key: string; text: string }[] = [];
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: name }));
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) out.push({ key: r.PartitionKey!, text: Buffer.from(r.Data!).toString() });
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

let admin: KinesisClient;

beforeAll(async () => {
  kinesalite = await startKinesalite();
  admin = newClient();
  await Promise.all(['chunks', 'bytes', 'partial', 'exhausted', 'limit', 'transient'].map((s) => createStream(admin, streamName(s))));
});

afterAll(async () => {
  admin?.destroy();
  await kinesalite?.stop();
});

describe('KinesisBus', () => {
  it('sends 1,200 records in 3 PutRecords calls of at most 500 and stores them all, in order per key', async () => {
    const client = newClient();
    const calls = recordCalls(client);
    const bus = new KinesisBus({ client, streams: { events: streamName('chunks') } });
    const records = Array.from({ length: 1200 }, (_, i) => record(`user-${i % 7}`, `event-${i}`));

    await bus.put('events', records);

    expect(calls.map((c) => c.Records!.length)).toEqual([500, 500, 200]);
    const stored = await readAll(client, streamName('chunks'));
    expect(stored).toHaveLength(1200);
    for (let k = 0; k < 7; k++) {
      const own = stored.filter((r) => r.key === `user-${k}`).map((r) => Number(r.text.slice(6)));
      expect(own).toEqual([...own].sort((a, b) => a - b));
    }
    await bus.close();
    client.destroy();
  });

  it('keeps each call under 5 MiB, counting partition keys', async () => {
    const client = newClient();
    const calls = recordCalls(client);
    const bus = new KinesisBus({ client, streams: { events: streamName('bytes') } });
    const big = Buffer.alloc(900_000, 'x');
    await bus.put('events', Array.from({ length: 7 }, (_, i) => ({ partitionKey: `k${i}`, data: big })));

    expect(calls.map((c) => c.Records!.length)).toEqual([5, 2]);
    for (const call of calls) {
      const bytes = call.Records!.reduce((n, r) => n + r.Data!.byteLength + Buffer.byteLength(r.PartitionKey!), 0);
      expect(bytes).toBeLessThanOrEqual(5 * 1024 * 1024);
    }
    expect(await readAll(client, streamName('bytes'))).toHaveLength(7);
    client.destroy();
  });

  it('re-sends only the records Kinesis reports as failed, until all are stored exactly once', async () => {
    const client = newClient();
    throttle(client, (text, call) => call === 0 && Number(text.slice(1)) % 3 === 0); // 34 of 100 throttled on the first call
    const calls = recordCalls(client);
    const bus = new KinesisBus({ client, streams: { events: streamName('partial') }, backoff: fast });
    const records = Array.from({ length: 100 }, (_, i) => record(`k${i % 5}`, `r${i}`));

    await bus.put('events', records);

    expect(calls.map((c) => c.Records!.length)).toEqual([100, 34]);
    expect(calls[1].Records!.map((r) => Buffer.from(r.Data!).toString())).toEqual(
      records.filter((_, i) => i % 3 === 0).map((r) => Buffer.from(r.data).toString()),
    );
    const stored = (await readAll(client, streamName('partial'))).map((r) => r.text).sort();
    expect(stored).toEqual(records.map((r) => Buffer.from(r.data).toString()).sort());
    client.destroy();
  });

  it('gives up with BusUnavailableError after the bounded attempts when records keep failing', async () => {
    const client = newClient();
    throttle(client, (text) => text === 'never');
    const calls = recordCalls(client);
    const bus = new KinesisBus({ client, streams: { events: streamName('exhausted') }, maxAttempts: 4, backoff: fast });

    const error = await bus.put('events', [record('a', 'ok'), record('b', 'never')]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BusUnavailableError);
    expect((error as Error).message).toMatch(/1 of 2 records .* after 4 attempts .*ProvisionedThroughputExceededException/);
    expect(calls.map((c) => c.Records!.length)).toEqual([2, 1, 1, 1]);
    expect((await readAll(client, streamName('exhausted'))).map((r) => r.text)).toEqual(['ok']);
    client.destroy();
  });

  it("retries a whole call that failed before Kinesis answered (after the SDK's own retries)", async () => {
    const client = newClient();
    let failures = 2;
    client.middlewareStack.add(
      (next) => async (args) => {
        if ('Records' in (args.input as object) && failures-- > 0) throw Object.assign(new Error('Internal Service Failure'), { name: 'InternalFailure' });
        return next(args);
      },
      { step: 'initialize', name: 'failWholeCalls', priority: 'low' },
    );
    const calls = recordCalls(client);
    const bus = new KinesisBus({ client, streams: { events: streamName('transient') }, backoff: fast });

    await bus.put('events', [record('a', '1'), record('b', '2')]);

    expect(calls).toHaveLength(3);
    expect((await readAll(client, streamName('transient'))).map((r) => r.text).sort()).toEqual(['1', '2']);
    client.destroy();
  });

  it('rejects a record above MAX_RECORD_BYTES, partition key included, before sending anything', async () => {
    const client = newClient();
    const calls = recordCalls(client);
    const bus = new KinesisBus({ client, streams: { events: streamName('limit') } });
    const key = 'team:user';
    const atLimit = { partitionKey: key, data: Buffer.alloc(MAX_RECORD_BYTES - key.length) };
    const over = { partitionKey: key, data: Buffer.alloc(MAX_RECORD_BYTES - key.length + 1) };

    const error = await bus.put('events', [record('x', 'fine'), over]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordTooLargeError);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as RecordTooLargeError).index).toBe(1);
    expect((error as Error).message).toContain(`${MAX_RECORD_BYTES + 1} bytes`);
    await expect(bus.put('events', [{ partitionKey: '', data: Buffer.from('x') }])).rejects.toThrow(/partition key/);
    await expect(bus.put('events', [{ partitionKey: 'é'.repeat(257), data: Buffer.from('x') }])).rejects.toThrow(/partition key/);
    expect(calls).toHaveLength(0);

    await bus.put('events', [atLimit]);
    expect(await readAll(client, streamName('limit'))).toHaveLength(1);
    client.destroy();
  });

  it('fails at once, without retrying, when the stream does not exist or is not configured', async () => {
    const client = newClient();
    const calls = recordCalls(client);
    const bus = new KinesisBus({ client, streams: { events: streamName('missing') }, backoff: fast });

    await expect(bus.put('events', [record('a', 'b')])).rejects.toThrow(/ResourceNotFoundException/);
    await expect(bus.put('events', [record('a', 'b')])).rejects.toBeInstanceOf(BusUnavailableError);
    expect(calls).toHaveLength(2);
    await expect(bus.put('recordings', [record('a', 'b')])).rejects.toThrow(/No Kinesis stream is configured for "recordings"/);
    client.destroy();
  });
});

describe('chunkEntries', () => {
  const entry = (bytes: number) => ({ PartitionKey: 'k', Data: Buffer.alloc(bytes) });

  it('splits at 500 records and at 5 MiB, keeping order, and leaves nothing empty', () => {
    expect(chunkEntries([])).toEqual([]);
    expect(chunkEntries(Array.from({ length: 1001 }, () => entry(1))).map((c) => c.length)).toEqual([500, 500, 1]);
    const mib = 1024 * 1024;
    expect(chunkEntries([entry(mib - 1), entry(mib - 1), entry(mib - 1), entry(mib - 1), entry(mib - 1), entry(10)]).map((c) => c.length)).toEqual([5, 1]);
    expect(chunkEntries([entry(mib - 1), entry(mib - 1), entry(mib - 1), entry(mib - 1), entry(mib), entry(10)]).map((c) => c.length)).toEqual([4, 2]);
  });
});
