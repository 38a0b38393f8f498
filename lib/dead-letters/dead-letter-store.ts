import type { BlobStore } from '../ports/blob-store';

/** A record that could not be processed, kept with what is needed to replay it. */
export interface DeadLetter {
  /** The consumer or step that gave up, e.g. `ingestion-consumer`. */
  readonly source: string;
  readonly reason: string;
  readonly error?: string;
  readonly partitionKey?: string;
  readonly sequenceNumber?: string;
  /** The record's bytes, base64. */
  readonly data: string;
  readonly attempts?: number;
  readonly time: string;
}

export interface DeadLetterStore {
  write(letter: DeadLetter): Promise<void>;
  list(source: string): Promise<DeadLetter[]>;
}

/** Dead letters as JSON objects in the blob store: `dead-letters/<source>/<date>/<time>-<n>.json`. */
export function createBlobDeadLetterStore(blobs: BlobStore): DeadLetterStore {
  let counter = 0;
  return {
    async write(letter) {
      const date = letter.time.slice(0, 10);
      const key = `dead-letters/${letter.source}/${date}/${letter.time.replace(/[:.]/g, '-')}-${process.pid}-${counter++}.json`;
      await blobs.put(key, Buffer.from(JSON.stringify(letter)), 'application/json');
    },
    async list(source) {
      const keys = await blobs.list(`dead-letters/${source}/`);
      const letters: DeadLetter[] = [];
      for (const key of keys) {
        const body = await blobs.get(key);
        if (body) letters.push(JSON.parse(body.toString('utf8')) as DeadLetter);
      }
      return letters;
    },
  };
}
