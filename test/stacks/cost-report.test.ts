import * as fs from 'node:fs';
import * as path from 'node:path';
import { postHogCloud, priceReportedVariants, renderMarkdown, type Variant } from '../../bin/cost-report';
import { consumerInvocations, eventPollerUnits } from '../../stacks/cost/estimate';
import { PROFILE_SETTINGS } from '../../stacks/profiles';
import { PROJECT_ROOT } from '../../stacks/project-root';

/** COST_FACTS.md §2.2: the "default serverless" shape idles at about $110/month. */
const DEFAULT_SERVERLESS_IDLE = 110;

describe('cost report', () => {
  const variants: Variant[] = priceReportedVariants();
  const find = (p: string, f: string, b = 'kinesis') => variants.find((v) => v.profile === p && v.frontDoor === f && v.bus === b)!;

  test('reads the lean templates: no NAT, provisioned shards, Aurora at 0 ACU, no proxy, Valkey', () => {
    const { inventory } = find('lean', 'httpApi');
    expect(inventory.natGateways).toBe(0);
    expect(inventory.streams.map((s) => [s.bus, s.mode, s.shards]).sort()).toEqual([
      ['events', 'PROVISIONED', 1],
      ['events_processed', 'PROVISIONED', 1],
      ['recordings', 'PROVISIONED', 1],
    ]);
    expect(inventory.aurora).toEqual([expect.objectContaining({ minAcu: 0, maxAcu: 4, instances: 1, dataApi: true })]);
    expect(inventory.rdsProxies).toBe(0);
    expect(inventory.caches).toEqual([{ engine: 'valkey' }]);
    expect(inventory.interfaceEndpoints).toEqual([]);
    expect(inventory.loadBalancers).toEqual([]);
    expect(inventory.consumers.map((c) => [c.functionName, c.streamBus]).sort()).toEqual([
      ['clickhouse-loader', 'events_processed'],
      ['ingestion-consumer', 'events'],
      ['replay-consumer', 'recordings'],
    ]);
  });

  test('lean idles for more than nothing and less than the default serverless shape', () => {
    const { idle } = find('lean', 'httpApi');
    expect(idle.total).toBeGreaterThan(0);
    expect(idle.total).toBeLessThan(DEFAULT_SERVERLESS_IDLE);
    const line = (item: string) => idle.lines.find((l) => l.item.startsWith(item))?.usd;
    expect(line('Aurora')).toBeCloseTo(0.1, 5); // paused: storage only
    expect(line('Kinesis `events`')).toBeCloseTo(10.95, 2);
    expect(line('ElastiCache Serverless (valkey)')).toBeCloseTo(6.13, 2);
  });

  test('scale pays for what it adds: RDS Proxy, a reader, on-demand streams, endpoints, warm capture', () => {
    const lean = find('lean', 'httpApi').idle;
    const scale = find('scale', 'httpApi');
    const line = (item: string) => scale.idle.lines.find((l) => l.item.startsWith(item))?.usd;
    expect(line('RDS Proxy')).toBeCloseTo(87.6, 2);
    expect(line('Aurora')).toBeCloseTo(2 * 43.8 + 0.1, 2);
    expect(line('Kinesis `events`, on-demand')).toBeCloseTo(29.2, 2);
    expect(line('Interface endpoints')).toBeCloseTo(29.2, 2);
    expect(line('Provisioned concurrency')).toBeCloseTo(8.76, 2);
    expect(scale.idle.total).toBeGreaterThan(lean.total);
  });

  test('the ALB costs about $24 a month idle', () => {
    const delta = find('lean', 'alb').idle.total - find('lean', 'httpApi').idle.total;
    expect(delta).toBeCloseTo(23.73, 1);
  });

  test('10M events: ClickHouse stays awake (5-minute loader batches) and the total undercuts PostHog Cloud', () => {
    const busy = find('lean', 'httpApi').busy;
    expect(busy.facts.requests).toBe(500_000);
    expect(busy.facts.clickhouseAwake).toBe(1);
    expect(busy.total).toBeLessThan(postHogCloud(10_000_000, 0, 0).anonymous);
  });

  test('10M events carry 10k recordings and 3M flag requests through the recordings stream, the flags function and DynamoDB', () => {
    const busy = find('lean', 'httpApi').busy;
    expect(busy.facts).toMatchObject({ replayRequests: 500_000, flagRequests: 3_000_000 });
    const line = (item: string) => busy.lines.find((l) => l.item.startsWith(item));
    expect(line('Kinesis `recordings`')?.arithmetic).toContain('0.5M PUT units');
    expect(line('API Gateway HTTP API')?.usd).toBeCloseTo(4.1, 2);
    expect(line('DynamoDB')?.arithmetic).toMatch(/^9\.5M reads/);
    expect(busy.total).toBeLessThan(postHogCloud(10_000_000, 10_000, 3_000_000).anonymousWithExtras);
  });

  test('PostHog Cloud list prices reproduce COST_FACTS §3.4', () => {
    const p = postHogCloud(10_000_000, 10_000, 3_000_000);
    expect(p.anonymous).toBeCloseTo(324.4, 2);
    expect(p.identified).toBeCloseTo(1080, 2);
    expect(p.anonymousWithExtras).toBeCloseTo(494.4, 2);
    expect(p.identifiedWithExtras).toBeCloseTo(1250, 2);
  });

  test('a consumer is invoked at most once per batching window per shard, and at least once per full batch', () => {
    const c = { batchSize: 100, windowSeconds: 300, parallelization: 1 };
    expect(consumerInvocations(c, 0, 1)).toBe(0);
    expect(consumerInvocations(c, 10_000_000, 1)).toBe(100_000);
    expect(consumerInvocations(c, 500_000, 1)).toBeLessThanOrEqual(2_628_000 / 300);
  });

  test('reads the msk templates: a serverless cluster, partitions per topic, Kafka consumers with provisioned pollers, no streams', () => {
    for (const profile of ['lean', 'scale'] as const) {
      const { inventory } = find(profile, 'httpApi', 'msk');
      const partitions = PROFILE_SETTINGS[profile].kafkaPartitions;
      expect(inventory.kafkaClusters).toBe(1);
      expect(inventory.streams).toEqual([]);
      expect(inventory.topics.map((t) => [t.bus, t.name, t.partitions]).sort()).toEqual([
        ['events', 'hedgerow-events', partitions],
        ['events_processed', 'hedgerow-events-processed', partitions],
        ['recordings', 'hedgerow-recordings', partitions],
      ]);
      expect(inventory.consumers.map((c) => [c.functionName, c.streamBus, c.minimumPollers, c.pollerGroup]).sort()).toEqual([
        ['clickhouse-loader', 'events_processed', 1, 'hedgerowdata-bus-pollers'],
        ['ingestion-consumer', 'events', 1, 'hedgerowdata-bus-pollers'],
        ['replay-consumer', 'recordings', 1, 'hedgerowdata-bus-pollers'],
      ]);
      expect(inventory.interfaceEndpoints).toEqual([{ service: 'secretsmanager', azs: 2 }]);
    }
  });

  test('MSK idles at $547.50 a month plus $1.095 per partition, and its data is priced at 10M events', () => {
    const line = (v: Variant, e: 'idle' | 'busy', item: string) => v[e].lines.find((l) => l.item.startsWith(item))?.usd;
    const lean = find('lean', 'httpApi', 'msk');
    const scale = find('scale', 'httpApi', 'msk');
    expect(line(lean, 'idle', 'MSK Serverless cluster')).toBeCloseTo(547.5, 2);
    expect(line(lean, 'idle', 'MSK Serverless partitions')).toBeCloseTo(6 * 1.095, 2);
    expect(line(scale, 'idle', 'MSK Serverless partitions')).toBeCloseTo(24 * 1.095, 2);
    expect(line(lean, 'idle', 'MSK Serverless data')).toBe(0);
    expect(line(lean, 'busy', 'MSK Serverless data')).toBeGreaterThan(0);
    // The in-VPC consumer's Secrets Manager endpoint, in lean too; no Kinesis anywhere.
    expect(line(lean, 'idle', 'Interface endpoints (secretsmanager)')).toBeCloseTo(14.6, 2);
    for (const v of [lean, scale]) expect(v.busy.lines.filter((l) => l.item.startsWith('Kinesis'))).toEqual([]);
    expect(lean.idle.total - find('lean', 'httpApi').idle.total).toBeGreaterThan(500);
  });

  test('MSK\'s event pollers: the three mappings\' minimum pollers share one EPU at $0.185 an hour, idle and busy; Kinesis has none', () => {
    for (const profile of ['lean', 'scale'] as const) {
      const v = find(profile, 'httpApi', 'msk');
      for (const e of [v.idle, v.busy]) {
        const line = e.lines.find((l) => l.item === 'Lambda event pollers (provisioned mode)');
        expect(line?.usd).toBeCloseTo(730 * 0.185, 2);
        expect(line?.arithmetic).toBe('3 mappings, 3 minimum pollers in 1 poller group: 1 EPU × 730 h × $0.185');
      }
      for (const frontDoor of ['httpApi', 'alb']) {
        expect(find(profile, frontDoor).idle.lines.filter((l) => l.item.startsWith('Lambda event pollers'))).toEqual([]);
      }
    }
  });

  test('EPUs: a poller group\'s minimum pollers fill EPUs 10 at a time; a mapping outside a group has its own', () => {
    const kafka = (minimumPollers: number, pollerGroup?: string) => ({ batchSize: 100, windowSeconds: 1, parallelization: 1, minimumPollers, pollerGroup });
    expect(eventPollerUnits([kafka(1), kafka(1), kafka(1)])).toMatchObject({ mappings: 3, groups: 0, alone: 3, units: 3 });
    expect(eventPollerUnits([kafka(1, 'g'), kafka(1, 'g'), kafka(1, 'g')])).toMatchObject({ mappings: 3, groups: 1, alone: 0, units: 1 });
    expect(eventPollerUnits([...Array.from({ length: 11 }, () => kafka(1, 'g')), kafka(12)])).toMatchObject({ mappings: 12, pollers: 23, groups: 1, alone: 1, units: 4 });
    expect(eventPollerUnits([{ batchSize: 100, windowSeconds: 1, parallelization: 1 }])).toMatchObject({ mappings: 0, units: 0 });
  });

  test('docs/cost.md is what `npm run cost` writes today', () => {
    const committed = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'cost.md'), 'utf8');
    expect(committed).toBe(renderMarkdown(variants));
    expect(committed).toContain('## MSK Serverless instead of Kinesis (`-c bus=msk`)');
    expect(committed).toContain('$0.185 per EPU-hour (us-east-1)');
    expect(committed).not.toMatch(/EPU\) was not found|price is unknown/);
  });
});
