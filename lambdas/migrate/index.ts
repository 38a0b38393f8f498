/**
 * The migration custom resource: on every Create/Update of the stack it applies pending Postgres
 * (through the Data API) and ClickHouse migrations, then republishes every team's token, flag
 * definitions and replay settings to DynamoDB (what the flags function and the replay consumer
 * read) and backfills the persons projection once per projection format. Delete leaves the data alone.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { migrateClickHouse } from '../../lib/clickhouse/migrate';
import { publishProjections } from '../../lib/platform/projections';
import { openAnalyticsStore, openDatabase, openKeyValueStore } from '../../lib/platform/ports';
import { migratePostgres } from '../../lib/postgres/migrate';
import { analyticsSpec, databaseSpec, keyValueSpec } from '../shared/aws-config';
import { createLambdaLogger } from '../shared/lambda-logger';

const { logger } = createLambdaLogger('migrate');

export async function handler(event: CloudFormationCustomResourceEvent): Promise<{ PhysicalResourceId: string; Data: Record<string, string> }> {
  const physicalId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : 'hedgerow-migrations';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId, Data: {} };
  const db = await openDatabase(await databaseSpec(), logger);
  const store = await openAnalyticsStore(await analyticsSpec());
  const kv = await openKeyValueStore(keyValueSpec());
  try {
    const postgres = await migratePostgres(db);
    const clickhouse = await migrateClickHouse(store, { cluster: process.env.HEDGEROW_CLICKHOUSE_CLUSTER || undefined });
    const teamsPublished = await publishProjections(db, kv);
    logger.info('migrations applied', { postgres, clickhouse, teamsPublished });
    return { PhysicalResourceId: physicalId, Data: { postgres: postgres.join(','), clickhouse: clickhouse.join(',') } };
  } finally {
    await Promise.all([db.close(), store.close(), kv.close()]);
  }
}
