import { CustomResource, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PERSONS_PROJECTION_FORMAT } from '../lib/flags/projection-keys';
import { functionProvider } from './constructs/function-provider';
import { HedgerowFunction, type LogLevel } from './constructs/hedgerow-function';
import type { DataStack } from './data-stack';
import { connectDatabase } from './database-access';
import { migrationsHash } from './migrations-hash';
import { PROJECT_ROOT } from './project-root';

export interface MigrationStackProps extends StackProps {
  readonly data: DataStack;
  /** Changes whenever a migration changes, so CloudFormation re-runs them. @default migrationsHash(PROJECT_ROOT) */
  readonly migrationsVersion?: string;
  /** @default 'info' */
  readonly logLevel?: LogLevel;
}

/**
 * Runs the Postgres (through the Data API) and ClickHouse migrations on every deploy whose
 * migrations changed, before the ingestion stack deploys new code, then republishes each team's
 * token, flag definitions and replay settings, and backfills the persons projection, in the key-value table
 * (lib/platform/projections.ts). The `lambdas/migrate` handler
 * receives custom-resource events from the Provider framework (`RequestType` Create | Update |
 * Delete, `ResourceProperties.MigrationsVersion`); migrations are idempotent, and Delete does nothing.
 */
export class MigrationStack extends Stack {
  readonly migrate: HedgerowFunction;
  readonly migrations: CustomResource;

  constructor(scope: Construct, id: string, props: MigrationStackProps) {
    super(scope, id, props);
    const { data } = props;
    this.migrate = new HedgerowFunction(this, 'Migrate', {
      name: 'migrate',
      description: 'Hedgerow schema migrations (Postgres via Data API, ClickHouse over HTTPS)',
      memorySize: 512,
      // A paused Aurora takes ~15 s to resume (longer after a day); ClickHouse Cloud may be idled too.
      timeout: Duration.minutes(10),
      logLevel: props.logLevel,
      environment: { HEDGEROW_CLICKHOUSE_SECRET_ARN: data.clickhouseSecret.secretArn, HEDGEROW_KV_TABLE: data.kvTable.tableName },
    });
    connectDatabase(this.migrate, data, 'data-api');
    data.clickhouseSecret.grantRead(this.migrate);
    // Reads too: the persons backfill writes only what is absent or older, and keeps a per-team marker.
    data.kvTable.grantReadWriteData(this.migrate);

    const provider = functionProvider(this, 'Provider', this.migrate);
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The Provider framework function is owned by aws-cdk-lib, which picks its runtime.',
    });
    const version = props.migrationsVersion ?? migrationsHash(PROJECT_ROOT);
    this.migrations = new CustomResource(this, 'Migrations', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::HedgerowMigrations',
      // A new projection format re-runs the resource, whose persons backfill then runs once per team.
      properties: { MigrationsVersion: version, ProjectionFormat: String(PERSONS_PROJECTION_FORMAT) },
    });
  }
}
