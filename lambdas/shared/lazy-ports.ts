import type { BlobStore } from '../../lib/ports/blob-store';
import type { KeyValueStore } from '../../lib/ports/key-value-store';

/**
 * Ports opened on first use, for those a function rarely needs: the consumers write blobs only
 * for dead letters (the ingestion consumer writes the key-value store only when persons change),
 * the api uses the key-value store only to publish writes and for local evaluation's token lookup. Their SDK
 * clients then stay out of the cold start (S3's is the heaviest to load: bench/lambda.bench.ts).
 * A failed open is forgotten, so the next use tries again.
 */
function once<T>(open: () => Promise<T>): { get(): Promise<T>; opened(): Promise<T> | undefined } {
  let opening: Promise<T> | undefined;
  return {
    get: () =>
      (opening ??= open().catch((error: unknown) => {
        opening = undefined;
        throw error;
      })),
    opened: () => opening,
  };
}

export function lazyBlobStore(open: () => Promise<BlobStore>): BlobStore {
  const store = once(open);
  return {
    put: async (key, body, contentType) => (await store.get()).put(key, body, contentType),
    get: async (key) => (await store.get()).get(key),
    list: async (prefix) => (await store.get()).list(prefix),
    delete: async (key) => (await store.get()).delete(key),
  };
}

export function lazyKeyValueStore(open: () => Promise<KeyValueStore>): KeyValueStore {
  const store = once(open);
  return {
    get: async <T>(key: string) => (await store.get()).get<T>(key),
    put: async (key, value, options) => (await store.get()).put(key, value, options),
    delete: async (key) => (await store.get()).delete(key),
    close: async () => {
      const opened = store.opened();
      if (opened) await (await opened).close();
    },
  };
}
