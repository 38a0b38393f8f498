import type { BlobStore } from '../ports/blob-store';
import { PARTS_PREFIX } from './block-key';
import type { ReplayChunk } from './replay-record';

/**
 * Parts of an rrweb event too large for one stream record wait in the blob store until all of
 * them have been read (they may span consumer batches):
 *
 *   replay-parts/<team>/<session>/<chunk id>/<index, 6 digits>
 *
 * The chunk id starts with the capture time in ms, which is how the retention sweeper finds
 * parts whose siblings never came.
 */
export function partsPrefix(teamId: number, sessionId: string, chunkId: string): string {
  return `${PARTS_PREFIX}${teamId}/${sessionId}/${chunkId}/`;
}

const partKey = (prefix: string, index: number) => `${prefix}${String(index).padStart(6, '0')}`;

export interface AssembledItem {
  readonly item: unknown;
  /** The part objects, to delete once the event is safely in a block. */
  readonly partKeys: string[];
}

/**
 * Stores one part (idempotent: the same key and bytes on a redelivery) and, when every part of
 * its event is there, returns the event. Undefined while parts are missing. Throws on blob-store
 * errors (the record is retried) and InvalidChunkError on parts that do not make JSON.
 */
export async function stashPart(blobs: BlobStore, teamId: number, sessionId: string, chunk: ReplayChunk): Promise<AssembledItem | undefined> {
  const prefix = partsPrefix(teamId, sessionId, chunk.id);
  await blobs.put(partKey(prefix, chunk.index), chunk.data, 'application/octet-stream');
  const present = new Set(await blobs.list(prefix));
  const keys = Array.from({ length: chunk.count }, (_, i) => partKey(prefix, i));
  if (!keys.every((k) => present.has(k))) return undefined;
  const parts: Buffer[] = [];
  for (const key of keys) {
    const part = key === partKey(prefix, chunk.index) ? chunk.data : await blobs.get(key);
    if (!part) return undefined; // deleted meanwhile: nothing to assemble
    parts.push(part);
  }
  try {
    return { item: JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown, partKeys: keys };
  } catch (error) {
    throw new InvalidChunkError(`parts of ${chunk.id} do not make JSON: ${(error as Error).message}`);
  }
}

/** The parts of an event, put together, are not JSON (never from our capture; dead-lettered). */
export class InvalidChunkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidChunkError';
  }
}

/** Chunk ids are `<capture ms>-<uuid>`: the capture time of a part key, or undefined. */
export function partCaptureMs(key: string): number | undefined {
  if (!key.startsWith(PARTS_PREFIX)) return undefined;
  const id = key.split('/')[3];
  const ms = Number(id?.split('-')[0]);
  return Number.isSafeInteger(ms) ? ms : undefined;
}
