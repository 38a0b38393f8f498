import { CreateBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore, createS3Client } from '../../../lib/adapters/aws/s3-blob-store';
import { TEST_CREDENTIALS, TEST_REGION, startS3rver, type Emulator } from '../../support/aws-emulators';

let s3rver: Emulator;
let client: S3Client;
let listCalls = 0;
const bucket = `hedgerow-${Date.now().toString(36)}`;

beforeAll(async () => {
  s3rver = await startS3rver();
  client = createS3Client({ endpoint: s3rver.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  client.middlewareStack.add(
    (next) => async (args) => {
      if ('Prefix' in (args.input as object)) listCalls++;
      return next(args);
    },
    { step: 'initialize', name: 'countListCalls' },
  );
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  client?.destroy();
  await s3rver?.stop();
});

describe('S3BlobStore', () => {
  it('puts and gets bytes exactly, with a content type, and answers undefined for a missing key', async () => {
    const store = new S3BlobStore({ bucket, client });
    const bytes = Buffer.from(Array.from({ length: 10_240 }, (_, i) => i % 256));
    await store.put('dead-letters/events/2026-11-23/a.json', bytes, 'application/json');

    expect(await store.get('dead-letters/events/2026-11-23/a.json')).toEqual(bytes);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dead-letters/events/2026-11-23/a.json' }));
    expect(head.ContentType).toBe('application/json');
    expect(await store.get('dead-letters/events/nope.json')).toBeUndefined();
    await store.put('empty', new Uint8Array(0));
    expect(await store.get('empty')).toEqual(Buffer.alloc(0));
  });

  it('lists keys under a prefix in lexicographic order, following continuation tokens', async () => {
    const store = new S3BlobStore({ bucket, client, pageSize: 4 });
    const keys = Array.from({ length: 11 }, (_, i) => `list/${String.fromCharCode(107 - i)}/${i}.bin`);
    for (const key of keys) await store.put(key, Buffer.from(key));
    await store.put('listing-elsewhere', Buffer.from('x'));

    listCalls = 0;
    expect(await store.list('list/')).toEqual([...keys].sort());
    expect(listCalls).toBe(3);
    expect(await store.list('list/k/')).toEqual(['list/k/0.bin']);
    expect(await store.list('no-such-prefix/')).toEqual([]);
  });

  it('deletes, and deleting a missing key is not an error', async () => {
    const store = new S3BlobStore({ bucket, client });
    await store.put('to-delete', Buffer.from('x'));
    await store.delete('to-delete');
    expect(await store.get('to-delete')).toBeUndefined();
    await expect(store.delete('to-delete')).resolves.toBeUndefined();
  });

  it('reports other errors, such as a missing bucket', async () => {
    const store = new S3BlobStore({ bucket: `${bucket}-missing`, client });
    await expect(store.get('a')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});
