import path from 'node:path';
import { listAllTeams, type Team } from '../accounts/accounts-repository';
import { TeamDirectory } from '../accounts/team-directory';
import { createTokenLookup, publishTeamToken } from '../accounts/token-directory';
import { FileLog } from '../adapters/local/file-log/file-log';
import { LogConsumer } from '../adapters/local/file-log/log-consumer';
import { registerApiRoutes } from '../api/api-routes';
import { CAPTURE_PATHS, createCaptureHandler } from '../capture/capture-handler';
import { createClickHouseLoader } from '../clickhouse/loader';
import { migrateClickHouse } from '../clickhouse/migrate';
import { createBlobDeadLetterStore } from '../dead-letters/dead-letter-store';
import { Router, withErrorHandling } from '../http/router';
import { json } from '../http/types';
import { createIngestionConsumer } from '../ingestion/ingestion-consumer';
import type { Logger } from '../observability/logger';
import { MemoryMetrics } from '../observability/metrics';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Database } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { migratePostgres } from '../postgres/migrate';
import { bootstrapLocalAccounts } from './bootstrap';
import type { LocalConfig } from './config';
import { lockDataDir } from './data-dir-lock';
import { startHttpServer } from './http-server';
import { openAnalyticsStore, openBlobStore, openDatabase, openKeyValueStore } from './ports';

export interface LocalPlatform {
  readonly url: string;
  readonly team: Team;
  readonly personalApiKey: string;
  readonly db: Database;
  readonly store: AnalyticsStore;
  readonly kv: KeyValueStore;
  readonly metrics: MemoryMetrics;
  /** Resolves when everything accepted so far is in ClickHouse. */
  flush(timeoutMs?: number): Promise<void>;
  /** Stops accepting requests, finishes the batches in flight, checkpoints and closes everything. */
  stop(): Promise<void>;
}

/** The largest body any route accepts (/s/ takes 25 MiB); routes apply their own smaller caps. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

/**
 * The whole platform in one process: capture, the ingestion consumer and the ClickHouse loader
 * on the durable local log, the API, on embedded engines in one data folder (or on the servers
 * the configuration names).
 */
export async function startLocalPlatform(config: LocalConfig, logger: Logger): Promise<LocalPlatform> {
  const release = lockDataDir(config.dataDir);
  const closers: (() => Promise<void> | void)[] = [release];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.warn('error while stopping', { error });
      }
    }
  };
  try {
    const dir = (name: string) => path.join(config.dataDir, name);
    const db = await openDatabase(config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dir: dir('postgres') }, logger);
    closers.push(() => db.close());
    const store = await openAnalyticsStore(config.clickhouseUrl ? { kind: 'clickhouse', url: config.clickhouseUrl } : { kind: 'chdb', dir: dir('clickhouse') });
    closers.push(() => store.close());
    const kv = await openKeyValueStore(config.dynamodb ? { kind: 'dynamodb', ...config.dynamodb } : { kind: 'file', file: dir('kv/store.jsonl') });
    closers.push(() => kv.close());
    const blobs = await openBlobStore(config.s3 ? { kind: 's3', ...config.s3 } : { kind: 'folder', dir: dir('blobs') });
    const bus = FileLog.open({ dir: dir('bus'), shards: config.shards });
    closers.push(() => bus.close());

    await migratePostgres(db);
    await migrateClickHouse(store);
    const { team, personalApiKey } = await bootstrapLocalAccounts(db, {
      dataDir: config.dataDir,
      projectToken: config.projectToken,
      personalApiKey: config.personalApiKey,
    });
    for (const t of await listAllTeams(db)) await publishTeamToken(kv, t);

    const metrics = new MemoryMetrics();
    const deadLetters = createBlobDeadLetterStore(blobs);
    const ingestion = new LogConsumer(bus, {
      name: 'ingestion-consumer',
      stream: 'events',
      handler: createIngestionConsumer({ db, bus, teams: new TeamDirectory(db), deadLetters, logger, metrics }),
      deadLetters,
      logger,
      batchSize: 500,
      maxBatchingWindowMs: 100,
    });
    const loader = new LogConsumer(bus, {
      name: 'clickhouse-loader',
      stream: 'events_processed',
      handler: createClickHouseLoader({ store, deadLetters, logger, metrics }),
      deadLetters,
      logger,
      batchSize: 2000,
      maxBatchingWindowMs: 200,
    });
    ingestion.start();
    loader.start();
    closers.push(() => loader.stop());
    closers.push(() => ingestion.stop());

    const router = new Router();
    const capture = createCaptureHandler({ bus, tokens: createTokenLookup(kv, { negativeTtlMs: 1000 }), logger });
    for (const p of CAPTURE_PATHS) router.add('*', p, capture);
    router.add(['GET', 'HEAD'], '/_health', async () =>
      json(200, { status: 'ok', consumers: { 'ingestion-consumer': { lag_bytes: ingestion.lag() }, 'clickhouse-loader': { lag_bytes: loader.lag() } } }),
    );
    registerApiRoutes(router, { db, store, kv });
    const server = await startHttpServer(withErrorHandling((req) => router.handle(req), logger), {
      port: config.port,
      host: config.host,
      maxBodyBytes: MAX_BODY_BYTES,
      logger,
    });
    closers.push(() => server.close());

    return {
      url: server.url,
      team,
      personalApiKey,
      db,
      store,
      kv,
      metrics,
      async flush(timeoutMs = 30_000) {
        await ingestion.drain(timeoutMs);
        await loader.drain(timeoutMs);
      },
      stop: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
