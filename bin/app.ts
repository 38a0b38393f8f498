#!/usr/bin/env node
/**
 * The Hedgerow CDK app. `npx cdk synth` works offline with no credentials.
 *
 *   npx cdk synth                              # profile lean, HTTP API front door
 *   npx cdk synth -c profile=scale -c frontDoor=alb
 *   npx cdk synth -c bus=msk                   # Kafka topics on MSK Serverless instead of Kinesis
 *   npx cdk deploy --all -c profile=lean
 *
 * Context: `profile` = lean | scale, `frontDoor` = httpApi | alb, `clickhouse` = cloud,
 * `bus` = kinesis | msk (MSK Serverless: from $547.50/month idle; capture and the ingestion consumer
 * then run in the VPC), `stackPrefix` (default Hedgerow), `certificateArn` (HTTPS on the ALB), `logLevel`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Tags, type AppProps, type Environment } from 'aws-cdk-lib';
import type { LogLevel } from '../stacks/constructs/hedgerow-function';
import { DataStack } from '../stacks/data-stack';
import { IngestionStack } from '../stacks/ingestion-stack';
import { MigrationStack } from '../stacks/migration-stack';
import {
  BUSES,
  CLICKHOUSE_MODES,
  FRONT_DOORS,
  PROFILES,
  PROFILE_SETTINGS,
  parseChoice,
  type Bus,
  type ClickHouseMode,
  type FrontDoor,
  type Profile,
} from '../stacks/profiles';
import { PROJECT_ROOT } from '../stacks/project-root';

export interface HedgerowAppOptions {
  /** @default 'lean' */
  readonly profile?: Profile;
  /** @default 'httpApi' */
  readonly frontDoor?: FrontDoor;
  /** @default 'cloud' */
  readonly clickhouse?: ClickHouseMode;
  /** Kinesis streams, or Kafka topics on MSK Serverless. @default 'kinesis' */
  readonly bus?: Bus;
  /** @default - environment-agnostic stacks */
  readonly env?: Environment;
  /** Prefix of every stack name, to deploy several Hedgerows into one account. @default 'Hedgerow' */
  readonly stackPrefix?: string;
  /** ACM certificate ARN for the ALB's HTTPS listener. @default - HTTP only */
  readonly certificateArn?: string;
  /** @default 'info' */
  readonly logLevel?: LogLevel;
  /** Overrides the migrations hash (tests pin it). @default - a hash of lib/postgres and lib/clickhouse */
  readonly migrationsVersion?: string;
}

export interface HedgerowStacks {
  readonly data: DataStack;
  readonly migration: MigrationStack;
  readonly ingestion: IngestionStack;
}

/** Adds Hedgerow's stacks to `app`: data (stateful), migrations, then ingestion. */
export function buildHedgerowApp(app: App, options: HedgerowAppOptions = {}): HedgerowStacks {
  const profile = options.profile ?? 'lean';
  const frontDoor = options.frontDoor ?? 'httpApi';
  const clickhouse = options.clickhouse ?? 'cloud';
  const bus = options.bus ?? 'kinesis';
  const prefix = options.stackPrefix ?? 'Hedgerow';
  const settings = PROFILE_SETTINGS[profile];
  const common = { env: options.env, tags: { 'hedgerow:profile': profile } };

  const data = new DataStack(app, `${prefix}Data`, {
    ...common,
    description: `Hedgerow stateful resources (profile ${profile}): VPC, Aurora, Valkey, S3, DynamoDB, ${bus === 'msk' ? 'MSK Serverless' : 'Kinesis'}, secrets`,
    settings,
    publicSubnets: frontDoor === 'alb',
    bus,
  });
  const migration = new MigrationStack(app, `${prefix}Migrations`, {
    ...common,
    description: 'Hedgerow schema migrations (custom resource)',
    data,
    logLevel: options.logLevel,
    migrationsVersion: options.migrationsVersion,
  });
  const ingestion = new IngestionStack(app, `${prefix}Ingestion`, {
    ...common,
    description: `Hedgerow ingestion (profile ${profile}, front door ${frontDoor}, ClickHouse ${clickhouse}${bus === 'msk' ? ', bus MSK' : ''})`,
    data,
    settings,
    frontDoor,
    certificateArn: options.certificateArn,
    logLevel: options.logLevel,
  });
  ingestion.addStackDependency(migration, 'new code deploys after its schema');
  Tags.of(app).add('application', 'hedgerow');
  return { data, migration, ingestion };
}

/** The `context` of cdk.json: option defaults and the feature flags the stacks are written against. */
export function cdkJsonContext(projectRoot: string = PROJECT_ROOT): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/**
 * An App with cdk.json's context, so tests, the cost report and a CLI-less run synthesize exactly
 * what `npx cdk synth` does. Context given here, and `-c` from the CLI, take precedence.
 */
export function createHedgerowApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...cdkJsonContext(), ...props.context } });
}

/** Reads the app options from CDK context (`-c key=value` or cdk.json). */
export function optionsFromContext(app: App): HedgerowAppOptions {
  const ctx = (key: string): unknown => app.node.tryGetContext(key);
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  return {
    profile: parseChoice('profile', ctx('profile'), PROFILES, 'lean'),
    frontDoor: parseChoice('frontDoor', ctx('frontDoor'), FRONT_DOORS, 'httpApi'),
    clickhouse: parseChoice('clickhouse', ctx('clickhouse'), CLICKHOUSE_MODES, 'cloud'),
    bus: parseChoice('bus', ctx('bus'), BUSES, 'kinesis'),
    env: account || region ? { account, region } : undefined,
    stackPrefix: (ctx('stackPrefix') as string | undefined) || undefined,
    certificateArn: (ctx('certificateArn') as string | undefined) || undefined,
    logLevel: parseChoice<LogLevel>('logLevel', ctx('logLevel'), ['debug', 'info', 'warn', 'error'], 'info'),
  };
}

if (require.main === module) {
  const app = createHedgerowApp();
  buildHedgerowApp(app, optionsFromContext(app));
  app.synth();
}
