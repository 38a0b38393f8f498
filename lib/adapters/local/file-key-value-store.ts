import fs from 'node:fs';
import path from 'node:path';
import type { KeyValueStore, PutOptions } from '../../ports/key-value-store';

interface Entry {
  readonly value: unknown;
  readonly expiresAt?: number;
}

/**
 * The embedded stand-in for DynamoDB: a map kept in memory and made durable by an append-only
 * file of JSON lines, compacted when it opens. Expired items read as absent (TTL).
 */
export class FileKeyValueStore implements KeyValueStore {
  private constructor(
    private readonly file: string,
    private readonly entries: Map<string, Entry>,
    private readonly now: () => number,
  ) {}

  static open(file: string, now: () => number = Date.now): FileKeyValueStore {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const entries = new Map<string, Entry>();
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const op = JSON.parse(line) as { k: string; v?: unknown; e?: number; d?: boolean };
          if (op.d) entries.delete(op.k);
          else entries.set(op.k, { value: op.v, expiresAt: op.e });
        } catch {
          // A torn last line from a crash: ignore it.
        }
      }
    }
    const store = new FileKeyValueStore(file, entries, now);
    store.compact();
    return store;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.live(key);
    return entry?.value as T | undefined;
  }

  async put(key: string, value: unknown, options: PutOptions = {}): Promise<boolean> {
    if (options.onlyIfAbsent && this.live(key)) return false;
    const expiresAt = options.ttlSeconds === undefined ? undefined : this.now() + options.ttlSeconds * 1000;
    this.entries.set(key, { value, expiresAt });
    fs.appendFileSync(this.file, JSON.stringify({ k: key, v: value, e: expiresAt }) + '\n');
    return true;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
    fs.appendFileSync(this.file, JSON.stringify({ k: key, d: true }) + '\n');
  }

  async close(): Promise<void> {}

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private compact(): void {
    const lines: string[] = [];
    for (const [k, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) continue;
      lines.push(JSON.stringify({ k, v: entry.value, e: entry.expiresAt }));
    }
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, lines.length ? lines.join('\n') + '\n' : '');
    fs.renameSync(tmp, this.file);
  }
}
