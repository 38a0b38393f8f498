import type { ConsumerItem, Inventory } from './inventory';
import { FREE_TIER, HOURS_PER_MONTH, PRICES, RULES, SECONDS_PER_MONTH } from './prices';

/** A month of traffic. Figures follow COST_FACTS.md §3.1 unless marked. */
export interface Workload {
  readonly name: string;
  readonly events: number;
  readonly eventBytes: number;
  /** Events per capture request; one request becomes one Kinesis record. */
  readonly eventsPerRequest: number;
  /** Requests to /api (queries, admin). Assumption. */
  readonly apiRequests: number;
  /** `/flags` requests (COST_FACTS.md §3.1: about 0.5 KB in, 2 KB out), each one flags invocation. */
  readonly flagRequests: number;
  /** DynamoDB reads per `/flags` request: distinct id → person, person, continuity overrides (definitions and tokens are cached in process). */
  readonly dynamoReadsPerFlagRequest: number;
  /** `/s` snapshot requests (COST_FACTS.md §3.1: 10k recordings × 50 requests), each one `recordings` record. */
  readonly replayRequests: number;
  readonly replayRequestBytes: number;
  /** Writes of the persons projection (one per person, distinct id or group change). Assumption. */
  readonly projectionWrites: number;
  /** Size of an `events_processed` record relative to the captured one (rows + persons). Assumption. */
  readonly processedRecordFactor: number;
  /** Mean billed duration per invocation, by `hedgerow:function` name. */
  readonly durationMs: Readonly<Record<string, number>>;
  /** Data API calls per ingestion-consumer invocation and per API request. Assumption. */
  readonly dataApiCallsPerInvocation: number;
  readonly dynamoReads: number;
  readonly dynamoWrites: number;
  readonly auroraStorageGb: number;
  readonly auroraIoMillions: number;
  /** ECPUs, counted only when some function is given the cache (HEDGEROW_REDIS_URL). */
  readonly valkeyEcpuMillions: number;
  readonly s3StorageGb: number;
  readonly s3Puts: number;
  readonly secretApiCalls: number;
  readonly logBytesPerInvocation: number;
  readonly clickhouseStorageGb: number;
}

const NO_DURATIONS = {} as const;

export const IDLE: Workload = {
  name: 'idle',
  events: 0,
  eventBytes: 1200,
  eventsPerRequest: 20,
  apiRequests: 0,
  flagRequests: 0,
  dynamoReadsPerFlagRequest: 3,
  replayRequests: 0,
  replayRequestBytes: 6000,
  projectionWrites: 0,
  processedRecordFactor: 1,
  durationMs: NO_DURATIONS,
  dataApiCallsPerInvocation: 0,
  dynamoReads: 0,
  dynamoWrites: 0,
  auroraStorageGb: 1,
  auroraIoMillions: 0,
  valkeyEcpuMillions: 0,
  s3StorageGb: 0,
  s3Puts: 0,
  secretApiCalls: 0,
  logBytesPerInvocation: 0,
  clickhouseStorageGb: 2,
};

export const TEN_MILLION_EVENTS: Workload = {
  name: '10M events/month',
  events: 10_000_000,
  eventBytes: 1200,
  eventsPerRequest: 20,
  apiRequests: 100_000,
  flagRequests: 3_000_000,
  dynamoReadsPerFlagRequest: 3,
  replayRequests: 500_000,
  replayRequestBytes: 6000,
  projectionWrites: 1_000_000,
  processedRecordFactor: 1,
  durationMs: { capture: 30, flags: 20, 'ingestion-consumer': 300, 'clickhouse-loader': 300, 'replay-consumer': 300, api: 100 },
  dataApiCallsPerInvocation: 4,
  dynamoReads: 500_000,
  dynamoWrites: 100_000,
  auroraStorageGb: 2,
  auroraIoMillions: 5,
  valkeyEcpuMillions: 7,
  s3StorageGb: 1,
  s3Puts: 10_000,
  secretApiCalls: 50_000,
  logBytesPerInvocation: 500,
  clickhouseStorageGb: 6,
};

export interface CostLine {
  readonly item: string;
  readonly arithmetic: string;
  readonly usd: number;
}

export interface Estimate {
  readonly workload: Workload;
  readonly lines: readonly CostLine[];
  readonly total: number;
  /** Derived quantities worth showing next to the bill. */
  readonly facts: Readonly<Record<string, number>>;
}

/** Decimal gigabytes, as COST_FACTS.md counts them (12 GB for 10M events of 1.2 KB). */
const GB = 1e9;
/** MSK bills binary gigabytes. */
const GIB = 2 ** 30;
const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;
const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 2 });

/**
 * Invocations of a consumer in a month of evenly spread records: the expected non-empty batching
 * windows, per shard (Kinesis) or partition (Kafka; an upper bound, as one poller may batch several).
 */
export function consumerInvocations(consumer: ConsumerItem, records: number, shards: number): number {
  if (records <= 0) return 0;
  const windows = (SECONDS_PER_MONTH / Math.max(consumer.windowSeconds, 1)) * shards * consumer.parallelization;
  return Math.max(Math.ceil(records / consumer.batchSize), windows * (1 - Math.exp(-records / windows)));
}

/**
 * Event Poller Units kept by the provisioned-mode mappings' minimum pollers: a poller group's
 * mappings share EPUs (RULES.kafkaPollersPerEpu minimum pollers each), a mapping outside a group
 * has its own. Scaling above the minimum is not modelled: an EPU carries up to 20 MB/s
 * (kafka-scaling-modes.html), orders of magnitude above the workloads priced here.
 */
export function eventPollerUnits(consumers: readonly ConsumerItem[]): { mappings: number; pollers: number; groups: number; alone: number; units: number } {
  const provisioned = consumers.filter((c) => c.minimumPollers !== undefined);
  const pollersByPool = new Map<string, number>();
  provisioned.forEach((c, i) => {
    const pool = c.pollerGroup === undefined ? `mapping ${i}` : `group ${c.pollerGroup}`;
    pollersByPool.set(pool, (pollersByPool.get(pool) ?? 0) + (c.minimumPollers ?? 0));
  });
  const units = [...pollersByPool.values()].reduce((sum, pollers) => sum + Math.ceil(pollers / RULES.kafkaPollersPerEpu), 0);
  const groups = new Set(provisioned.filter((c) => c.pollerGroup !== undefined).map((c) => c.pollerGroup)).size;
  return {
    mappings: provisioned.length,
    pollers: provisioned.reduce((sum, c) => sum + (c.minimumPollers ?? 0), 0),
    groups,
    alone: provisioned.filter((c) => c.pollerGroup === undefined).length,
    units,
  };
}

export function estimate(inv: Inventory, w: Workload): Estimate {
  const lines: CostLine[] = [];
  const add = (item: string, arithmetic: string, amount: number) => lines.push({ item, arithmetic, usd: amount });

  const requests = w.events / w.eventsPerRequest;
  const recordBytes = w.eventBytes * w.eventsPerRequest;
  const streamRecordBytes = (bus?: string) => (bus === 'events_processed' ? recordBytes * w.processedRecordFactor : bus === 'recordings' ? w.replayRequestBytes : recordBytes);
  const streamRecords = (bus?: string) => (bus === 'events' || bus === 'events_processed' ? requests : bus === 'recordings' ? w.replayRequests : 0);
  // Replay and flags traffic exists only where the templates have its functions.
  const hasFunction = (name: string) => inv.functions.some((f) => f.name === name);
  const replayRequests = hasFunction('replay-consumer') ? w.replayRequests : 0;
  const flagRequests = hasFunction('flags') ? w.flagRequests : 0;
  const shardsOf = (bus?: string) => {
    const topic = inv.topics.find((x) => x.bus === bus);
    if (topic) return topic.partitions;
    const s = inv.streams.find((x) => x.bus === bus);
    return s?.mode === 'PROVISIONED' ? (s.shards ?? 1) : RULES.kinesisOnDemandInitialShards;
  };

  // --- Kinesis -------------------------------------------------------------------------------------
  for (const s of inv.streams) {
    const records = streamRecords(s.bus);
    const bytes = streamRecordBytes(s.bus);
    const label = `Kinesis \`${s.bus ?? s.id}\``;
    if (s.mode === 'ON_DEMAND') {
      const inGb = (records * Math.ceil(bytes / 1024) * 1024) / GB;
      const readers = inv.consumers.filter((c) => c.streamBus === s.bus).length;
      const amount = HOURS_PER_MONTH * PRICES.kinesisOnDemandStreamHour.usd + inGb * PRICES.kinesisOnDemandIngest.usd + inGb * readers * PRICES.kinesisOnDemandRetrieval.usd;
      add(`${label}, on-demand`, `730 h × $0.04 + ${n(inGb)} GB in × $0.08 + ${readers} reader(s) × ${n(inGb)} GB × $0.04`, amount);
    } else {
      const shards = s.shards ?? 1;
      const units = records * Math.ceil(bytes / RULES.kinesisPutUnitBytes);
      const amount = shards * HOURS_PER_MONTH * PRICES.kinesisShardHour.usd + (units / 1e6) * PRICES.kinesisPutUnits.usd;
      add(`${label}, ${shards} provisioned shard(s)`, `${shards} × 730 h × $0.015 + ${n(units / 1e6)}M PUT units × $0.014`, amount);
    }
  }

  // --- MSK Serverless -----------------------------------------------------------------------------
  if (inv.kafkaClusters > 0) add('MSK Serverless cluster', `${inv.kafkaClusters} × 730 h × $0.75`, inv.kafkaClusters * HOURS_PER_MONTH * PRICES.mskClusterHour.usd);
  if (inv.topics.length > 0) {
    const partitions = inv.topics.reduce((sum, t) => sum + t.partitions, 0);
    add(`MSK Serverless partitions (${inv.topics.length} topics)`, `${partitions} partitions × 730 h × $0.0015`, partitions * HOURS_PER_MONTH * PRICES.mskPartitionHour.usd);
    const gibOf = (bus?: string) => (streamRecords(bus) * streamRecordBytes(bus)) / GIB;
    const inGib = inv.topics.reduce((sum, t) => sum + gibOf(t.bus), 0);
    const outGib = inv.consumers.filter((c) => inv.topics.some((t) => t.bus === c.streamBus)).reduce((sum, c) => sum + gibOf(c.streamBus), 0);
    const storedGib = (inGib * RULES.mskRetentionDays * 24) / HOURS_PER_MONTH;
    add(
      'MSK Serverless data',
      `${n(inGib)} GiB in × $0.10 + ${n(outGib)} GiB out × $0.05 + ${n(storedGib)} GiB kept ${RULES.mskRetentionDays} days × $0.10`,
      inGib * PRICES.mskDataIn.usd + outGib * PRICES.mskDataOut.usd + storedGib * PRICES.mskStorage.usd,
    );
  }

  // --- Lambda ------------------------------------------------------------------------------------
  const invocations = new Map<string, number>();
  const bump = (name: string | undefined, count: number) => name && invocations.set(name, (invocations.get(name) ?? 0) + count);
  bump('capture', requests + replayRequests);
  bump('flags', flagRequests);
  bump('api', w.apiRequests);
  for (const c of inv.consumers) bump(c.functionName, consumerInvocations(c, streamRecords(c.streamBus), shardsOf(c.streamBus)));
  let totalInvocations = 0;
  let gbSeconds = 0;
  for (const f of inv.functions) {
    const count = f.name ? (invocations.get(f.name) ?? 0) : 0;
    totalInvocations += count;
    gbSeconds += count * (f.memoryMb / 1024) * ((w.durationMs[f.name ?? ''] ?? 0) / 1000);
  }
  const billableRequests = Math.max(0, totalInvocations - FREE_TIER.lambdaRequests);
  const billableGbs = Math.max(0, gbSeconds - FREE_TIER.lambdaGbSeconds);
  add(
    'Lambda requests and duration (Arm64)',
    `${n(totalInvocations / 1e6)}M invocations, ${n(gbSeconds)} GB-s; free tier 1M requests + 400k GB-s`,
    (billableRequests / 1e6) * PRICES.lambdaRequests.usd + billableGbs * PRICES.lambdaArmDuration.usd,
  );
  const epu = eventPollerUnits(inv.consumers);
  if (epu.mappings > 0) {
    const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
    const placement = [epu.groups ? plural(epu.groups, 'poller group') : '', epu.alone ? `${plural(epu.alone, 'mapping')} on EPUs of their own` : ''].filter(Boolean).join(' and ');
    add(
      'Lambda event pollers (provisioned mode)',
      `${epu.mappings} mappings, ${epu.pollers} minimum pollers in ${placement}: ${epu.units} EPU × 730 h × $${PRICES.lambdaKafkaEpuHour.usd}`,
      epu.units * HOURS_PER_MONTH * PRICES.lambdaKafkaEpuHour.usd,
    );
  }
  for (const pc of inv.provisionedConcurrency) {
    const amount = pc.environments * (pc.memoryMb / 1024) * SECONDS_PER_MONTH * PRICES.lambdaArmProvisioned.usd;
    add(`Provisioned concurrency (${pc.functionName ?? 'function'})`, `${pc.environments} × ${pc.memoryMb / 1024} GB × 2,628,000 s × $0.0000033334`, amount);
  }

  // --- Front doors ---------------------------------------------------------------------------------
  const httpRequests = requests + replayRequests + flagRequests + w.apiRequests;
  if (inv.httpApis > 0) add('API Gateway HTTP API', `${n(httpRequests / 1e6)}M requests × $1.00/M`, (httpRequests / 1e6) * PRICES.httpApiRequests.usd);
  for (const lb of inv.loadBalancers) {
    const ipv4 = lb.internetFacing ? lb.azs : 0;
    const gbPerHour = (requests * recordBytes + replayRequests * w.replayRequestBytes + flagRequests * RULES.flagRequestBytes) / GB / HOURS_PER_MONTH;
    const lcu = Math.max(gbPerHour / RULES.albLcuGbPerHourLambda, httpRequests / SECONDS_PER_MONTH / RULES.albLcuNewConnectionsPerSecond);
    const amount = HOURS_PER_MONTH * (PRICES.albHour.usd + ipv4 * PRICES.publicIpv4Hour.usd + lcu * PRICES.albLcuHour.usd);
    add('Application Load Balancer', `730 h × ($0.0225 + ${ipv4} IPv4 × $0.005 + ${n(lcu)} LCU × $0.008)`, amount);
  }

  // --- Network -------------------------------------------------------------------------------------
  if (inv.natGateways > 0) add('NAT gateways', `${inv.natGateways} × 730 h × ($0.045 + $0.005 IPv4)`, inv.natGateways * HOURS_PER_MONTH * (PRICES.natGatewayHour.usd + PRICES.publicIpv4Hour.usd));
  const endpointAzs = inv.interfaceEndpoints.reduce((sum, e) => sum + e.azs, 0);
  if (endpointAzs > 0) {
    // An in-VPC producer of events_processed sends it through the Kinesis endpoint (Kafka is reached directly).
    const throughKinesisEndpoint = inv.interfaceEndpoints.some((e) => e.service === 'kinesis-streams') && inv.functions.some((f) => f.inVpc && 'HEDGEROW_STREAM_EVENTS_PROCESSED' in f.environment);
    const inVpcGb = throughKinesisEndpoint ? (requests * streamRecordBytes('events_processed')) / GB : 0;
    add(
      `Interface endpoints (${inv.interfaceEndpoints.map((e) => e.service).join(', ')})`,
      `${endpointAzs} endpoint-AZs × 730 h × $0.01 + ${n(inVpcGb)} GB × $0.01`,
      endpointAzs * HOURS_PER_MONTH * PRICES.interfaceEndpointAzHour.usd + inVpcGb * PRICES.interfaceEndpointData.usd,
    );
  }

  // --- Aurora, RDS Proxy, Data API -----------------------------------------------------------------
  for (const c of inv.aurora) {
    const paused = c.minAcu === 0 && inv.rdsProxies === 0 && w.events === 0 && w.apiRequests === 0;
    const acu = paused ? 0 : Math.max(c.minAcu, RULES.auroraMinRunningAcu);
    const compute = c.instances * acu * HOURS_PER_MONTH * PRICES.auroraAcuHour.usd;
    const amount = compute + w.auroraStorageGb * PRICES.auroraStorage.usd + w.auroraIoMillions * PRICES.auroraIo.usd;
    const how = paused ? 'paused (min 0 ACU): compute $0' : `${c.instances} instance(s) × ${acu} ACU × 730 h × $0.12`;
    add(`Aurora Serverless v2 (min ${c.minAcu}, max ${c.maxAcu} ACU)`, `${how} + ${w.auroraStorageGb} GB × $0.10 + ${w.auroraIoMillions}M I/O × $0.20`, amount);
  }
  if (inv.rdsProxies > 0) {
    const amount = inv.rdsProxies * RULES.rdsProxyMinAcu * HOURS_PER_MONTH * PRICES.rdsProxyAcuHour.usd;
    add('RDS Proxy (8-ACU minimum)', `${inv.rdsProxies} × 8 ACU × 730 h × $0.015`, amount);
  }
  const dataApiFunctions = new Set(inv.functions.filter((f) => f.environment.HEDGEROW_DATABASE_MODE === 'data-api').map((f) => f.name));
  const dataApiCalls = [...invocations].filter(([name]) => dataApiFunctions.has(name)).reduce((sum, [, count]) => sum + count, 0) * w.dataApiCallsPerInvocation;
  if (dataApiFunctions.size > 0) add('RDS Data API', `${n(dataApiCalls / 1e6)}M calls × $0.35/M`, (dataApiCalls / 1e6) * PRICES.rdsDataApi.usd);

  // --- Cache ---------------------------------------------------------------------------------------
  const cacheUsed = inv.functions.some((f) => 'HEDGEROW_REDIS_URL' in f.environment);
  for (const cache of inv.caches) {
    const valkey = cache.engine === 'valkey';
    const gb = valkey ? RULES.valkeyMinGb : RULES.redisOssMinGb;
    const ecpu = cacheUsed ? w.valkeyEcpuMillions : 0;
    const rate = valkey ? PRICES.valkeyGbHour.usd : PRICES.redisOssGbHour.usd;
    const ecpuRate = valkey ? PRICES.valkeyEcpu.usd : PRICES.redisOssEcpu.usd;
    add(`ElastiCache Serverless (${cache.engine})`, `${gb} GB minimum × 730 h × $${rate} + ${ecpu}M ECPU × $${ecpuRate}`, gb * HOURS_PER_MONTH * rate + ecpu * ecpuRate);
  }

  // --- Storage, queues, secrets, logs --------------------------------------------------------------
  const projected = inv.functions.some((f) => f.name === 'ingestion-consumer' && 'HEDGEROW_KV_TABLE' in f.environment);
  const dynamoReads = w.dynamoReads + flagRequests * w.dynamoReadsPerFlagRequest;
  const dynamoWrites = w.dynamoWrites + (projected ? w.projectionWrites : 0);
  if (inv.tables > 0) add('DynamoDB on-demand', `${n(dynamoReads / 1e6)}M reads × $0.125/M + ${n(dynamoWrites / 1e6)}M writes × $0.625/M`, (dynamoReads / 1e6) * PRICES.dynamoReads.usd + (dynamoWrites / 1e6) * PRICES.dynamoWrites.usd);
  // Replay: the snapshots stored (blocks are gzip; counted uncompressed) and at most one block per `recordings` record.
  const s3Gb = w.s3StorageGb + (replayRequests * w.replayRequestBytes) / GB;
  const s3Puts = w.s3Puts + replayRequests;
  if (inv.buckets > 0) add('S3', `${n(s3Gb)} GB × $0.023 + ${n(s3Puts / 1000)}k PUT × $0.005/1k`, s3Gb * PRICES.s3Storage.usd + (s3Puts / 1000) * PRICES.s3Puts.usd);
  if (inv.queues > 0) add(`SQS (${inv.queues} on-failure queues)`, 'only failed-batch notices; inside the 1M free requests', 0);
  add('Secrets Manager', `${inv.secrets} secrets × $0.40 + ${n(w.secretApiCalls / 1e4)} × 10k calls × $0.05`, inv.secrets * PRICES.secretMonth.usd + (w.secretApiCalls / 1e4) * PRICES.secretApiCalls.usd);
  if (inv.kmsKeys > 0) add('KMS customer-managed keys', `${inv.kmsKeys} × $1`, inv.kmsKeys * PRICES.kmsKeyMonth.usd);
  const logGb = ((totalInvocations + (inv.httpApis > 0 ? httpRequests : 0)) * w.logBytesPerInvocation) / GB;
  add('CloudWatch Logs', `${n(logGb)} GB; 5 GB free`, Math.max(0, logGb - FREE_TIER.logsGb) * PRICES.logsIngest.usd);

  // --- ClickHouse Cloud ----------------------------------------------------------------------------
  const loader = inv.consumers.find((c) => c.functionName === 'clickhouse-loader');
  const awake = w.events === 0 || !loader ? 0 : Math.min(1, (RULES.clickhouseIdleAfterMinutes * 60) / Math.max(loader.windowSeconds, 1));
  const storage = (w.clickhouseStorageGb / 1000) * PRICES.clickhouseStorage.usd;
  add(
    'ClickHouse Cloud Basic (1 unit)',
    `${n(awake * 100)}% awake (loader window ${loader?.windowSeconds ?? 0} s vs ${RULES.clickhouseIdleAfterMinutes} min idling) × 730 h × $0.2181 + ${w.clickhouseStorageGb} GB × $25.30/TB`,
    awake * HOURS_PER_MONTH * PRICES.clickhouseUnitHour.usd + storage,
  );

  const total = lines.reduce((sum, l) => sum + l.usd, 0);
  return { workload: w, lines, total, facts: { requests, replayRequests, flagRequests, totalInvocations, gbSeconds, clickhouseAwake: awake } };
}

export { usd as formatUsd };
