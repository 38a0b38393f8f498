import { CfnOutput, Duration, RemovalPolicy, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { QUERY_RESULTS_PREFIX } from '../lib/query/query-state';
import { PARTS_PREFIX, RETENTION_PERIODS_DAYS, retentionPrefix } from '../lib/replay/block-key';
import { MskBus } from './constructs/msk-bus';
import type { Bus, BusChannel, ProfileSettings } from './profiles';

/** Aurora PostgreSQL 16 minor version: auto-pause needs 16.3+, the Data API 16.1+. */
export const AURORA_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_8;
export const DATABASE_NAME = 'hedgerow';
const VALKEY_MAJOR_VERSION = '8';

export interface DataStackProps extends StackProps {
  readonly settings: ProfileSettings;
  /** Adds public subnets (last, so the isolated subnets keep their CIDRs) for an internet-facing ALB. @default false */
  readonly publicSubnets?: boolean;
  /** Kinesis streams, or an MSK Serverless cluster with a topic per channel. @default 'kinesis' */
  readonly bus?: Bus;
  /** Removal policy of everything that holds data. @default RemovalPolicy.RETAIN */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /** @default true */
  readonly deletionProtection?: boolean;
}

/** The Kinesis bus: a stream per channel. */
export interface KinesisBus {
  readonly kind: 'kinesis';
  readonly streams: Readonly<Record<BusChannel, kinesis.Stream>>;
}

/** What carries events between the functions; `kind` says which (bin/app.ts option `bus`). */
export type DataBus = KinesisBus | MskBus;

/**
 * Everything stateful: the network, Aurora, Valkey, the buckets, the key-value table, the bus
 * (Kinesis streams or an MSK Serverless cluster) and the ClickHouse connection secret. Other stacks
 * only reference what this one exports; logical IDs here are kept stable on purpose (renaming one
 * replaces the resource).
 */
export class DataStack extends Stack {
  readonly vpc: ec2.Vpc;
  /** Security group of in-VPC clients (Lambdas, tools): allowed to reach the database, the proxy and the cache. */
  readonly clientSecurityGroup: ec2.SecurityGroup;
  readonly accessLogsBucket: s3.Bucket;
  readonly blobBucket: s3.Bucket;
  /**
   * The blob bucket's ARN through a named export, for grants from other stacks: IAM resource strings
   * then read the same before and after synthesis (cdk-nag acknowledgements name them exactly).
   */
  readonly blobBucketArnImport: string;
  readonly blobBucketArnExportName: string;
  readonly kvTable: dynamodb.TableV2;
  /** Channels `events`, `events_processed` and `recordings` (posthog-js session-recording snapshots from /s, for the replay consumer). */
  readonly bus: DataBus;
  readonly database: rds.DatabaseCluster;
  readonly databaseSecret: secretsmanager.ISecret;
  readonly proxy?: rds.DatabaseProxy;
  readonly cache: elasticache.CfnServerlessCache;
  readonly clickhouseSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const removalPolicy = props.dataRemovalPolicy ?? RemovalPolicy.RETAIN;
    const bus = props.bus ?? 'kinesis';
    const deletionProtection = props.deletionProtection ?? true;

    // --- Buckets -------------------------------------------------------------------------------
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server-access-log bucket itself; logging it into itself would loop.',
    });
    this.blobBucket = new s3.Bucket(this, 'Blobs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 's3/blobs/',
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ...replayLifecycleRules(),
        // Query statuses and results too large for DynamoDB: they outlive the longest cache TTL (1 day) by a day.
        { id: 'query-results', prefix: QUERY_RESULTS_PREFIX, expiration: Duration.days(2) },
      ],
      removalPolicy,
    });

    this.blobBucketArnExportName = `${this.stackName}:BlobBucketArn`;
    this.blobBucketArnImport = this.exportValue(this.blobBucket.bucketArn, { name: this.blobBucketArnExportName });

    // --- Network: isolated subnets, gateway endpoints, no NAT ---------------------------------------
    const subnetConfiguration: ec2.SubnetConfiguration[] = [
      { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 },
    ];
    if (props.publicSubnets) subnetConfiguration.push({ name: 'ingress', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.42.0.0/16'),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration,
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] },
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets: [{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] },
      },
      flowLogs: {
        Rejected: {
          destination: ec2.FlowLogDestination.toS3(this.accessLogsBucket, 'vpc-flow-logs/'),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
    const isolated: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'Clients', {
      vpc: this.vpc,
      description: 'Hedgerow in-VPC clients of Aurora, RDS Proxy, Valkey and the interface endpoints',
    });
    // In-VPC Lambdas reach Kinesis and Secrets Manager privately; $7.30 per endpoint per AZ-month. With
    // the msk bus the ingestion consumer is in the VPC in every profile and reads the database secret
    // (it speaks TCP to Postgres), while nothing in the VPC calls Kinesis.
    const services: Record<string, ec2.InterfaceVpcEndpointAwsService> = {};
    if (settings.interfaceEndpoints && bus === 'kinesis') services.Kinesis = ec2.InterfaceVpcEndpointAwsService.KINESIS_STREAMS;
    if (settings.interfaceEndpoints || bus === 'msk') services.SecretsManager = ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER;
    for (const [id, service] of Object.entries(services)) {
      const endpoint = this.vpc.addInterfaceEndpoint(id, { service, subnets: isolated, open: false });
      endpoint.connections.allowDefaultPortFrom(this.clientSecurityGroup, `Hedgerow clients to ${id}`);
    }

    // --- Aurora PostgreSQL Serverless v2 ------------------------------------------------------------
    const masterSecret = new rds.DatabaseSecret(this, 'DatabaseSecret', { username: 'hedgerow' });
    masterSecret.applyRemovalPolicy(removalPolicy); // the credentials must outlive the stack as long as the data does
    Validations.of(masterSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating the master secret needs a rotation Lambda that reaches both Aurora and Secrets Manager from the VPC (an interface endpoint, $14.60/month in lean): an operator opt-in.',
    });
    this.database = new rds.DatabaseCluster(this, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_ENGINE_VERSION }),
      credentials: rds.Credentials.fromSecret(masterSecret),
      defaultDatabaseName: DATABASE_NAME,
      vpc: this.vpc,
      vpcSubnets: isolated,
      writer: rds.ClusterInstance.serverlessV2('Writer', { publiclyAccessible: false }),
      readers: Array.from({ length: settings.aurora.readers }, (_, i) =>
        rds.ClusterInstance.serverlessV2(`Reader${i + 1}`, { scaleWithWriter: true, publiclyAccessible: false }),
      ),
      serverlessV2MinCapacity: settings.aurora.minCapacity,
      serverlessV2MaxCapacity: settings.aurora.maxCapacity,
      serverlessV2AutoPauseDuration: settings.aurora.minCapacity === 0 ? settings.aurora.autoPauseAfter : undefined,
      enableDataApi: true,
      iamAuthentication: true,
      storageEncrypted: true,
      deletionProtection,
      backup: { retention: settings.aurora.backupRetention },
      cloudwatchLogsExports: ['postgresql'],
      removalPolicy,
    });
    this.databaseSecret = this.database.secret!;
    Validations.of(this.database).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason: 'The cluster sits in isolated subnets behind security groups; lean clients use the Data API (HTTPS), so a non-default port adds nothing.',
    });
    this.database.connections.allowDefaultPortFrom(this.clientSecurityGroup, 'Hedgerow clients to Aurora');

    if (settings.aurora.rdsProxy) {
      this.proxy = this.database.addProxy('Proxy', {
        secrets: [this.databaseSecret],
        vpc: this.vpc,
        vpcSubnets: isolated,
        requireTLS: true,
      });
      this.proxy.connections.allowFrom(this.clientSecurityGroup, ec2.Port.tcp(this.database.clusterEndpoint.port), 'Hedgerow clients to RDS Proxy');
    }

    // --- ElastiCache Serverless, Valkey engine (100 MB minimum, vs 1 GB for Redis OSS) ---------------
    const cacheSecurityGroup = new ec2.SecurityGroup(this, 'CacheSecurityGroup', {
      vpc: this.vpc,
      description: 'Hedgerow Valkey serverless cache',
      allowAllOutbound: false,
    });
    // 6379: the primary endpoint; 6380: the reader endpoint (reads from replicas).
    cacheSecurityGroup.addIngressRule(this.clientSecurityGroup, ec2.Port.tcpRange(6379, 6380), 'Hedgerow clients to Valkey');
    this.cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      serverlessCacheName: `${this.stackName}-cache`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40),
      engine: 'valkey',
      majorEngineVersion: VALKEY_MAJOR_VERSION,
      description: 'Hedgerow cache (flag definitions, team lookups)',
      subnetIds: this.vpc.selectSubnets(isolated).subnetIds,
      securityGroupIds: [cacheSecurityGroup.securityGroupId],
      cacheUsageLimits: {
        dataStorage: { maximum: settings.valkeyLimits.maxDataStorageGb, unit: 'GB' },
        ecpuPerSecond: { maximum: settings.valkeyLimits.maxEcpuPerSecond },
      },
    });
    this.cache.applyRemovalPolicy(RemovalPolicy.DESTROY); // a cache: its content is rebuilt on demand

    // --- DynamoDB: token → team lookups and idempotency ledgers, reachable without a VPC -------------
    this.kvTable = new dynamodb.TableV2(this, 'KeyValue', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection,
      removalPolicy,
    });

    // --- The bus: Kinesis streams, or MSK Serverless --------------------------------------------------
    this.bus =
      bus === 'msk'
        ? new MskBus(this, 'Bus', {
            vpc: this.vpc,
            subnets: isolated,
            clients: this.clientSecurityGroup,
            partitions: settings.kafkaPartitions,
            accessLogsBucket: this.accessLogsBucket,
            removalPolicy,
          })
        : {
            kind: 'kinesis',
            streams: {
              events: this.createStream('Events', 'events', settings, removalPolicy),
              events_processed: this.createStream('EventsProcessed', 'events_processed', settings, removalPolicy),
              recordings: this.createStream('Recordings', 'recordings', settings, removalPolicy),
            },
          };

    // --- ClickHouse connection: a placeholder the operator fills in (ClickHouse Cloud or a cluster) ---
    this.clickhouseSecret = new secretsmanager.Secret(this, 'ClickHouse', {
      description: 'Hedgerow ClickHouse connection JSON {"url","username","password","database"}: replace url and password after the first deploy',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ url: 'https://CHANGE-ME.clickhouse.cloud:8443', username: 'default', database: 'default' }),
        generateStringKey: 'password',
        excludePunctuation: true,
        passwordLength: 32,
      },
      removalPolicy,
    });
    Validations.of(this.clickhouseSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The credential belongs to ClickHouse Cloud (or a self-managed cluster), which Secrets Manager cannot rotate; the operator rotates it there and updates the secret.',
    });

    new CfnOutput(this, 'ClickHouseSecretArn', {
      value: this.clickhouseSecret.secretArn,
      description: 'Put {"url","username","password","database"} of your ClickHouse service here',
    });
    new CfnOutput(this, 'DatabaseClusterArn', { value: this.database.clusterArn });
    if (this.bus.kind === 'kinesis') {
      new CfnOutput(this, 'EventsStreamName', { value: this.bus.streams.events.streamName });
    } else {
      new CfnOutput(this, 'KafkaClusterArn', { value: this.bus.clusterArn });
      new CfnOutput(this, 'KafkaBootstrapBrokers', { value: this.bus.bootstrapBrokers, description: 'SASL/IAM over TLS (port 9098), reachable from the VPC only' });
    }
  }

  /** `rediss://` URL of the Valkey endpoint (serverless caches always use TLS). */
  get redisUrl(): string {
    return `rediss://${this.cache.attrEndpointAddress}:${this.cache.attrEndpointPort}`;
  }

  private createStream(id: string, busName: BusChannel, settings: ProfileSettings, removalPolicy: RemovalPolicy): kinesis.Stream {
    const onDemand = settings.streams.mode === 'ON_DEMAND';
    const stream = new kinesis.Stream(this, id, {
      streamMode: onDemand ? kinesis.StreamMode.ON_DEMAND : kinesis.StreamMode.PROVISIONED,
      shardCount: onDemand ? undefined : settings.streams.shardCount,
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
      removalPolicy,
    });
    Tags.of(stream).add('hedgerow:stream', busName);
    Validations.of(stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason: 'Encrypted with the AWS-managed aws/kinesis key: a customer-managed key costs ~$1/month plus KMS calls per read and write, and adds no control this deployment uses.',
    });
    return stream;
  }
}

/**
 * Session-replay retention without any process listing objects (lib/replay/block-key.ts): blocks
 * live under `replay/<N>d/`, one rule per retention period expires them after N days (S3 rounds
 * up to the next midnight UTC, so a block is never removed early), and parts of oversized events
 * still waiting for their siblings (`replay-parts/`) go after two days.
 */
export function replayLifecycleRules(): s3.LifecycleRule[] {
  return [
    ...RETENTION_PERIODS_DAYS.map((days) => ({ id: `replay-${days}d`, prefix: retentionPrefix(days), expiration: Duration.days(days) })),
    { id: 'replay-parts', prefix: PARTS_PREFIX, expiration: Duration.days(2) },
  ];
}
