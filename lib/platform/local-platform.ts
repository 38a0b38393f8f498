import path from 'node:path';
import { listAllTeams, type Team } from '../accounts/accounts-repository';
import { TeamDirectory } from '../accounts/team-directory';
import { createTokenLookup, publishTeamToken } from '../accounts/token-directory';
import { createClickHouseLoader } from '../clickhouse/loader';
import { migrateClickHouse } from '../clickhouse/migrate';
import { createBlobDeadLetterStore } from '../dead-letters/dead-letter-store';
import { CachedFlagDataSource } from '../flags/cached-flag-data-source';
import { PostgresFlagDataSource } from '../flags/flag-data-source';
import { FlagDefinitionsStore } from '../flags/flag-definitions';
import { withErrorHandling } from '../http/router';
import { json } from '../http/types';
import { createIngestionConsumer } from '../ingestion/ingestion-consumer';
import type { Logger } from '../observability/logger';
import { MemoryMetrics } from '../observability/metrics';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Database } from '../ports/database';
import type { KeyValueStore } from '../ports/key-value-store';
import { migratePostgres } from '../postgres/migrate';
import { createNewSessionRateLimiter } from '../replay/rate-limiter';
import { createReplayConsumer } from '../replay/replay-consumer';
import { createSessionRecordingSettings } from '../replay/replay-settings';
import { sweepExpiredRecordings } from '../replay/retention-sweeper';
import { bootstrapLocalAccounts } from './bootstrap';
import type { LocalConfig } from './config';
import { lockDataDir } from './data-dir-lock';
import { startHttpServer } from './http-server';
import { openLocalBus } from './local-bus';
import { openAnalyticsStore, openBlobStore, openCache, openDatabase, openKeyValueStore } from './ports';
import { buildRouter } from './routes';

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

/** How often the local platform deletes expired recordings (S3 lifecycle rules do it on AWS). */
const RETENTION_SWEEP_MS = 60 * 60 * 1000;

/**
 * The whole platform in one process: capture, /flags, the ingestion consumer, the ClickHouse
 * loader and the replay consumer on the durable local log (or Kinesis), the API, on embedded
 * engines in one data folder (or on the servers the configuration names).
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
    const cache = await openCache(config.redisUrl ? { kind: 'redis', url: config.redisUrl } : { kind: 'memory' });
    closers.push(() => cache.close());
    const localBus = await openLocalBus(config, { kv, logger });
    closers.push(() => localBus.close());
    const bus = localBus.bus;

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
    // /flags reads persons through a cache that ingestion, running in this process, keeps exact.
    const flagData = new CachedFlagDataSource(new PostgresFlagDataSource(db));
    const ingestion = localBus.consumer({
      name: 'ingestion-consumer',
      stream: 'events',
      handler: createIngestionConsumer({
        db,
        bus,
        teams: new TeamDirectory(db),
        deadLetters,
        logger,
        metrics,
        onPersonsChanged: async (teamId, rows) =>
          flagData.forget(teamId, {
            distinctIds: rows.distinctIds.map((d) => d.distinct_id),
            personIds: rows.persons.map((p) => p.id),
            groups: rows.groups.map((g) => ({ index: g.group_type_index, key: g.group_key })),
          }),
      }),
      deadLetters,
      logger,
      batchSize: 500,
      maxBatchingWindowMs: 100,
    });
    const loader = localBus.consumer({
      name: 'clickhouse-loader',
      stream: 'events_processed',
      handler: createClickHouseLoader({ store, deadLetters, logger, metrics }),
      deadLetters,
      logger,
      batchSize: 2000,
      maxBatchingWindowMs: 200,
    });
    const replayConsumer = localBus.consumer({
      name: 'replay-consumer',
      stream: 'recordings',
      handler: createReplayConsumer({ blobs, store, db, deadLetters, logger, metrics }),
      deadLetters,
      logger,
      batchSize: 200,
      maxBatchingWindowMs: 500,
    });
    for (const consumer of [ingestion, loader, replayConsumer]) {
      consumer.start();
      closers.push(() => consumer.stop());
    }

    const sweep = () => sweepExpiredRecordings(blobs, store).catch((error: unknown) => logger.warn('retention sweep failed', { error }));
    const sweeper = setInterval(sweep, RETENTION_SWEEP_MS);
    sweeper.unref();
    closers.push(() => clearInterval(sweeper));

    const definitions = new FlagDefinitionsStore({ db, kv, ttlMs: 1_000 });
    const router = buildRouter({
      bus,
      db,
      store,
      kv,
      blobs,
      cache,
      tokens: createTokenLookup(kv, { negativeTtlMs: 1000 }),
      definitions,
      flagData,
      settings: createSessionRecordingSettings(db),
      replayRateLimiter: createNewSessionRateLimiter(),
      logger,
      health: async () =>
        json(200, {
          status: 'ok',
          consumers: Object.fromEntries([ingestion, loader, replayConsumer].map((c) => [c.name, c.health()])),
        }),
    });
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
        await replayConsumer.drain(timeoutMs);
      },
      stop: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
