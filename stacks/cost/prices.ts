/**
 * Unit prices behind docs/cost.md: USD, us-east-1, on-demand list prices, copied from
 * ../shared/COST_FACTS.md with its source and confidence (or, where COST_FACTS.md has none, from the
 * AWS page named in `source`). A price change is one edit here; `npm run cost` then recomputes every
 * figure from the synthesized templates.
 */
export type Confidence = 'AWS' | 'Vendor' | '3P' | 'Derived' | 'UNVERIFIED';

export interface UnitPrice {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
  readonly confidence: Confidence;
}

const price = (usd: number, per: string, source: string, confidence: Confidence): UnitPrice => ({ usd, per, source, confidence });

export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

export const PRICES = {
  // Lambda (§1.1), Arm64
  lambdaRequests: price(0.2, '1M requests', '§1.1 git.mcrn.ar; unanswered.io', '3P'),
  lambdaArmDuration: price(0.0000133334, 'GB-second', '§1.1 cloudchipr.com', '3P'),
  lambdaArmProvisioned: price(0.0000033334, 'GB-second configured', '§1.1 public cost calculators', '3P'),
  // Not in COST_FACTS.md ("EPU price: Not found"): the Lambda developer guide's own example prices it.
  lambdaKafkaEpuHour: price(
    0.185,
    'Event Poller Unit-hour (Kafka event-source mappings in provisioned mode)',
    'docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html (cost optimization example, US East (N. Virginia)); aws.amazon.com/lambda/pricing',
    'AWS',
  ),
  // Front doors (§1.2)
  httpApiRequests: price(1.0, '1M requests', '§1.2 amnic.com; apigatewaycost.com', '3P'),
  albHour: price(0.0225, 'ALB-hour', '§1.2 cloud-horizons.com', '3P'),
  albLcuHour: price(0.008, 'LCU-hour', '§1.2 handbook.vantage.sh', '3P'),
  publicIpv4Hour: price(0.005, 'address-hour', '§1.2 AWS networking blog; doit.com', 'AWS'),
  // Kinesis (§1.3)
  kinesisOnDemandStreamHour: price(0.04, 'stream-hour', '§1.3 trek10.com', '3P'),
  kinesisOnDemandIngest: price(0.08, 'GB in (records rounded up to 1 KB)', '§1.3 trek10.com; AWS (rounding)', '3P'),
  kinesisOnDemandRetrieval: price(0.04, 'GB out per shared-throughput consumer', '§1.3 trek10.com', '3P'),
  kinesisShardHour: price(0.015, 'shard-hour', '§1.3 trek10.com; c3x.dev', '3P'),
  kinesisPutUnits: price(0.014, '1M PUT payload units (25 KB each)', '§1.3 trek10.com; AWS (unit)', '3P'),
  // MSK Serverless (§1.3 "for comparison", F11): a 2022 table of AWS prices
  mskClusterHour: price(0.75, 'cluster-hour', '§1.3 gist EverettBerry (2022); automq.com', '3P'),
  mskPartitionHour: price(0.0015, 'partition-hour', '§1.3 gist EverettBerry (2022); automq.com', '3P'),
  mskDataIn: price(0.1, 'GiB in', '§1.3 gist EverettBerry (2022); automq.com', '3P'),
  mskDataOut: price(0.05, 'GiB out', '§1.3 gist EverettBerry (2022); automq.com', '3P'),
  mskStorage: price(0.1, 'GiB-month', '§1.3 gist EverettBerry (2022); automq.com', '3P'),
  // Aurora, RDS Proxy, Data API (§1.4)
  auroraAcuHour: price(0.12, 'ACU-hour (Aurora Standard)', '§1.4 c3x.dev; wring.co', '3P'),
  auroraStorage: price(0.1, 'GB-month', '§1.4 wring.co', '3P'),
  auroraIo: price(0.2, '1M I/O requests', '§1.4 jusdb.com; wring.co', '3P'),
  rdsProxyAcuHour: price(0.015, 'ACU-hour (8 ACU minimum)', '§1.4 serverworks (minimum); rate from memory', 'UNVERIFIED'),
  rdsDataApi: price(0.35, '1M requests', '§1.4 estimate', 'UNVERIFIED'),
  // ElastiCache Serverless (§1.5)
  valkeyGbHour: price(0.084, 'GB-hour (100 MB minimum)', '§1.5 usage.ai; cur.vantage.sh', '3P'),
  valkeyEcpu: price(0.0023, '1M ECPUs', '§1.5 usage.ai', '3P'),
  redisOssGbHour: price(0.125, 'GB-hour (1 GB minimum)', '§1.5 AWS DB blog (minimum); gomomento.com', '3P'),
  redisOssEcpu: price(0.0034, '1M ECPUs', '§1.5 c3x.dev', '3P'),
  // DynamoDB, S3, queues, secrets, logs (§1.6–1.8)
  dynamoWrites: price(0.625, '1M write request units', '§1.6 airbyte.com', '3P'),
  dynamoReads: price(0.125, '1M read request units', '§1.6 airbyte.com', '3P'),
  s3Storage: price(0.023, 'GB-month', '§1.7 cloudburn.io', '3P'),
  s3Puts: price(0.005, '1,000 PUT requests', '§1.7 gist sofyan-ahmad', '3P'),
  sqsRequests: price(0.4, '1M requests (1M free)', '§1.8 cloudburn.io', '3P'),
  secretMonth: price(0.4, 'secret-month', '§1.8 hivebook.wiki', '3P'),
  secretApiCalls: price(0.05, '10,000 API calls', '§1.8 hivebook.wiki', '3P'),
  logsIngest: price(0.5, 'GB ingested (5 GB free)', '§1.8 c3x.dev', '3P'),
  kmsKeyMonth: price(1.0, 'customer-managed key-month', '§1.8 from memory', 'UNVERIFIED'),
  // VPC (§1.9)
  interfaceEndpointAzHour: price(0.01, 'endpoint-AZ-hour', '§1.9 aws.amazon.com/privatelink; oneuptime.com', 'AWS'),
  interfaceEndpointData: price(0.01, 'GB processed', '§1.9 aws.amazon.com/privatelink', 'AWS'),
  natGatewayHour: price(0.045, 'NAT gateway-hour', '§1.9 oneuptime.com', '3P'),
  natGatewayData: price(0.045, 'GB processed', '§1.9 oneuptime.com', '3P'),
  // ClickHouse Cloud Basic (§1.10)
  clickhouseUnitHour: price(0.2181, 'compute unit-hour (8 GiB, 2 vCPU), billed only while awake', '§1.10 derived from clickhouse.com billing example', 'Derived'),
  clickhouseStorage: price(25.3, 'TB-month (data and backups)', '§1.10 clickhouse.com billing overview', 'Vendor'),
} as const satisfies Record<string, UnitPrice>;

export type PriceName = keyof typeof PRICES;

/** Free tiers that never expire (COST_FACTS §1.1, §1.8); the 12-month ones are ignored. */
export const FREE_TIER = {
  lambdaRequests: 1_000_000,
  lambdaGbSeconds: 400_000,
  logsGb: 5,
  sqsRequests: 1_000_000,
} as const;

/** Rules of thumb that are not prices. */
export const RULES = {
  rdsProxyMinAcu: 8,
  auroraMinRunningAcu: 0.5,
  valkeyMinGb: 0.1,
  redisOssMinGb: 1,
  kinesisPutUnitBytes: 25 * 1024,
  /** A new on-demand stream starts with 4 MB/s of write capacity, i.e. 4 shards of pollers. */
  kinesisOnDemandInitialShards: 4,
  /** One ALB LCU covers 0.4 GB/h to Lambda targets, or 25 new connections a second. */
  albLcuGbPerHourLambda: 0.4,
  albLcuNewConnectionsPerSecond: 25,
  /** A `/flags` request's bytes through a front door: about 0.5 KB in and 2 KB out (COST_FACTS.md §3.1). */
  flagRequestBytes: 2500,
  /** ClickHouse Cloud's idling delay (configurable, 5 min minimum): UNVERIFIED default. */
  clickhouseIdleAfterMinutes: 15,
  /** How long MSK Serverless keeps a topic's messages when the topic sets no retention (assumption: Kafka's 7-day default). */
  mskRetentionDays: 7,
  /**
   * Kafka event pollers per EPU: EPUs are provisioned for the minimum pollers at 10 per EPU, shared by
   * the mappings of one poller group; a mapping outside a group has EPUs of its own (kafka-scaling-modes.html).
   */
  kafkaPollersPerEpu: 10,
} as const;

/** PostHog Cloud list prices (COST_FACTS §1.11, Vendor): [tier size, USD per unit]; Infinity is the last tier. */
export const POSTHOG_TIERS = {
  identifiedEvents: [[1e6, 0], [1e6, 0.000248], [13e6, 0.000104], [35e6, 0.0000655], [50e6, 0.0000364], [150e6, 0.0000187], [Infinity, 0.00001]],
  anonymousEvents: [[1e6, 0], [1e6, 0.00005], [13e6, 0.0000343], [35e6, 0.0000295], [50e6, 0.0000218], [150e6, 0.000015], [Infinity, 0.000009]],
  recordings: [[5e3, 0], [10e3, 0.005], [35e3, 0.0035], [100e3, 0.002], [350e3, 0.0017], [Infinity, 0.0015]],
  flagRequests: [[1e6, 0], [1e6, 0.0001], [8e6, 0.000045], [40e6, 0.000025], [Infinity, 0.00001]],
} as const satisfies Record<string, readonly (readonly [number, number])[]>;

/** The price of `quantity` units under graduated tiers. */
export function tieredPrice(quantity: number, tiers: readonly (readonly [number, number])[]): number {
  let rest = quantity;
  let total = 0;
  for (const [size, usd] of tiers) {
    const used = Math.min(rest, size);
    total += used * usd;
    rest -= used;
    if (rest <= 0) break;
  }
  return total;
}
