import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { BlobStore } from '../../ports/blob-store';

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** An injected client stays the caller's to destroy; without one the store creates and owns its own. */
  readonly client?: S3Client;
  /** Keys per ListObjectsV2 page. @default 1000 (the S3 maximum) */
  readonly pageSize?: number;
}

/** Blobs in one S3 bucket (or any S3-compatible endpoint: set `forcePathStyle` on the client). */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly ownsClient: boolean;

  constructor(private readonly options: S3BlobStoreOptions) {
    this.client = options.client ?? new S3Client({});
    this.ownsClient = !options.client;
  }

  async put(key: string, body: Uint8Array, contentType?: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!output.Body) return Buffer.alloc(0);
      return Buffer.from(await output.Body.transformToByteArray());
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.options.pageSize }),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // S3 already lists in UTF-8 binary order; sorting keeps the promise for S3-compatible stores too.
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}

/**
 * A client for S3 or, with an endpoint, for an S3-compatible server (path-style addressing). The
 * endpoint may also come from the SDK's own variables (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL).
 */
export function createS3Client(config: S3ClientConfig = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  const custom = config.endpoint ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return new S3Client({ ...(custom ? { forcePathStyle: true } : {}), ...config });
}
