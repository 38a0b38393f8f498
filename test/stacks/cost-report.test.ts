import * as fs from 'node:fs';
import * as path from 'node:path';
import { postHogCloud, priceVariant, renderMarkdown, synthesizeTemplates, type Variant } from '../../bin/cost-report';
import { consumerInvocations } from '../../stacks/cost/estimate';
import { FRONT_DOORS, PROFILES } from '../../stacks/profiles';
import { PROJECT_ROOT } from '../../stacks/project-root';

/** COST_FACTS.md §2.2: the "default serverless" shape idles at about $110/month. */
const DEFAULT_SERVERLESS_IDLE = 110;

describe('cost report', () => {
  const variants: Variant[] = PROFILES.flatMap((p) => FRONT_DOORS.map((f) => priceVariant(p, f, synthesizeTemplates(p, f))));
  const find = (p: string, f: string) => variants.find((v) => v.profile === p && v.frontDoor === f)!;

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

  test('docs/cost.md is what `npm run cost` writes today', () => {
    const committed = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'cost.md'), 'utf8');
    expect(committed).toBe(renderMarkdown(variants));
    expect(committed).toContain('MSK is not implemented');
  });
});
