/** Object storage: S3 on AWS, a local folder (or any S3 endpoint) locally. */
export interface BlobStore {
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  /** Keys under a prefix, in lexicographic order. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}
