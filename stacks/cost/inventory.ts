/**
 * What in a synthesized app costs money: a walk over the CloudFormation templates of all its
 * stacks (cross-stack `Fn::ImportValue` references are followed to the exporting resource).
 */
import { KAFKA_TOPICS_RESOURCE_TYPE } from '../constructs/msk-bus';
import { KAFKA_TOPICS } from '../profiles';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}
/** Templates by stack name. */
export type Templates = Readonly<Record<string, CfnTemplate>>;

export interface StreamItem {
  readonly id: string;
  /** The `hedgerow:stream` tag: `events`, `events_processed`. */
  readonly bus?: string;
  readonly mode: 'PROVISIONED' | 'ON_DEMAND';
  readonly shards?: number;
  readonly encrypted: boolean;
}
export interface TopicItem {
  readonly name: string;
  /** The channel whose topic this is (profiles.ts KAFKA_TOPICS): `events`, `events_processed`, `recordings`. */
  readonly bus?: string;
  readonly partitions: number;
}
export interface FunctionItem {
  readonly id: string;
  /** The `hedgerow:function` tag: the folder under lambdas/. */
  readonly name?: string;
  readonly memoryMb: number;
  readonly inVpc: boolean;
  readonly environment: Readonly<Record<string, unknown>>;
}
export interface ConsumerItem {
  readonly functionName?: string;
  /** The channel read: a Kinesis stream's `hedgerow:stream` tag, or a Kafka topic's channel. */
  readonly streamBus?: string;
  readonly batchSize: number;
  readonly windowSeconds: number;
  readonly parallelization: number;
  /** Event pollers kept provisioned at least (Kafka mappings in provisioned mode). @default - on-demand polling */
  readonly minimumPollers?: number;
  /** `PollerGroupName`: provisioned mappings of one group share Event Poller Units. @default - the mapping's own EPUs */
  readonly pollerGroup?: string;
}
export interface Inventory {
  readonly streams: readonly StreamItem[];
  /** MSK Serverless clusters. */
  readonly kafkaClusters: number;
  readonly topics: readonly TopicItem[];
  readonly functions: readonly FunctionItem[];
  readonly consumers: readonly ConsumerItem[];
  readonly aurora: readonly { readonly minAcu: number; readonly maxAcu: number; readonly instances: number; readonly autoPauseSeconds?: number; readonly dataApi: boolean }[];
  readonly rdsProxies: number;
  readonly caches: readonly { readonly engine: string }[];
  readonly natGateways: number;
  /** Interface endpoints, each with the number of AZs (subnets) it is placed in. */
  readonly interfaceEndpoints: readonly { readonly service: string; readonly azs: number }[];
  readonly gatewayEndpoints: number;
  /** Application load balancers with the number of subnets (one public IPv4 each when internet-facing). */
  readonly loadBalancers: readonly { readonly internetFacing: boolean; readonly azs: number }[];
  readonly httpApis: number;
  readonly secrets: number;
  readonly kmsKeys: number;
  readonly queues: number;
  readonly buckets: number;
  readonly tables: number;
  /** Provisioned concurrency: environments × memory of the function behind each alias. */
  readonly provisionedConcurrency: readonly { readonly functionName?: string; readonly environments: number; readonly memoryMb: number }[];
}

interface Located {
  readonly stack: string;
  readonly id: string;
  readonly resource: CfnResource;
}

export function takeInventory(templates: Templates): Inventory {
  const all: Located[] = Object.entries(templates).flatMap(([stack, t]) =>
    Object.entries(t.Resources ?? {}).map(([id, resource]) => ({ stack, id, resource })),
  );
  const ofType = (type: string) => all.filter((r) => r.resource.Type === type);
  const props = (r: Located) => r.resource.Properties ?? {};
  const resolve = (stack: string, value: unknown) => resolveReference(templates, stack, value);

  const streams: StreamItem[] = ofType('AWS::Kinesis::Stream').map((r) => {
    const p = props(r);
    const mode = p.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED';
    return { id: r.id, bus: tag(p.Tags, 'hedgerow:stream'), mode, shards: mode === 'PROVISIONED' ? Number(p.ShardCount ?? 1) : undefined, encrypted: Boolean(p.StreamEncryption) };
  });
  const channelOfTopic = (name: string) => Object.entries(KAFKA_TOPICS).find(([, topic]) => topic === name)?.[0];
  // A serverless cluster's topics are not CloudFormation resources: the custom resource that creates them lists them.
  const topics: TopicItem[] = ofType(KAFKA_TOPICS_RESOURCE_TYPE).flatMap((r) =>
    ((props(r).Topics ?? []) as { TopicName: string; PartitionCount?: number }[]).map((t) => {
      const name = String(t.TopicName);
      return { name, bus: channelOfTopic(name), partitions: Number(t.PartitionCount ?? 1) };
    }),
  );
  const functions: FunctionItem[] = ofType('AWS::Lambda::Function').map((r) => {
    const p = props(r);
    return { id: r.id, name: tag(p.Tags, 'hedgerow:function'), memoryMb: Number(p.MemorySize ?? 128), inVpc: Boolean(p.VpcConfig), environment: p.Environment?.Variables ?? {} };
  });
  const functionById = (stack: string, value: unknown) => {
    const ref = resolve(stack, value);
    return ref ? functions.find((f) => f.id === ref.id) : undefined;
  };
  const consumers: ConsumerItem[] = ofType('AWS::Lambda::EventSourceMapping').map((r) => {
    const p = props(r);
    const streamRef = resolve(r.stack, p.EventSourceArn);
    const topic: unknown = p.Topics?.[0];
    return {
      functionName: functionById(r.stack, p.FunctionName)?.name,
      streamBus: typeof topic === 'string' ? channelOfTopic(topic) : streams.find((s) => s.id === streamRef?.id)?.bus,
      batchSize: Number(p.BatchSize ?? 100),
      windowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      parallelization: Number(p.ParallelizationFactor ?? 1),
      minimumPollers: p.ProvisionedPollerConfig ? Number(p.ProvisionedPollerConfig.MinimumPollers ?? 1) : undefined,
      pollerGroup: pollerGroupOf(p.ProvisionedPollerConfig?.PollerGroupName),
    };
  });
  const clusters = ofType('AWS::RDS::DBCluster').map((r) => {
    const p = props(r);
    const scaling = p.ServerlessV2ScalingConfiguration ?? {};
    const instances = ofType('AWS::RDS::DBInstance').filter((i) => resolve(i.stack, props(i).DBClusterIdentifier)?.id === r.id);
    return {
      minAcu: Number(scaling.MinCapacity ?? 0.5),
      maxAcu: Number(scaling.MaxCapacity ?? 1),
      instances: instances.length,
      autoPauseSeconds: scaling.SecondsUntilAutoPause === undefined ? undefined : Number(scaling.SecondsUntilAutoPause),
      dataApi: p.EnableHttpEndpoint === true,
    };
  });
  const endpoints = ofType('AWS::EC2::VPCEndpoint');
  const interfaceEndpoints = endpoints
    .filter((r) => props(r).VpcEndpointType === 'Interface')
    .map((r) => ({ service: serviceName(props(r).ServiceName), azs: (props(r).SubnetIds ?? []).length }));
  const loadBalancers = ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')
    .filter((r) => (props(r).Type ?? 'application') === 'application')
    .map((r) => ({ internetFacing: props(r).Scheme === 'internet-facing', azs: (props(r).Subnets ?? props(r).SubnetMappings ?? []).length }));
  const provisionedConcurrency = ofType('AWS::Lambda::Alias')
    .filter((r) => props(r).ProvisionedConcurrencyConfig)
    .map((r) => {
      const fn = functionById(r.stack, props(r).FunctionName);
      return { functionName: fn?.name, environments: Number(props(r).ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions), memoryMb: fn?.memoryMb ?? 128 };
    });

  return {
    streams,
    kafkaClusters: ofType('AWS::MSK::ServerlessCluster').length,
    topics,
    functions,
    consumers,
    aurora: clusters,
    rdsProxies: ofType('AWS::RDS::DBProxy').length,
    caches: [
      ...ofType('AWS::ElastiCache::ServerlessCache').map((r) => ({ engine: String(props(r).Engine) })),
      ...ofType('AWS::ElastiCache::CacheCluster').map((r) => ({ engine: `node:${String(props(r).Engine)}` })),
    ],
    natGateways: ofType('AWS::EC2::NatGateway').length,
    interfaceEndpoints,
    gatewayEndpoints: endpoints.filter((r) => (props(r).VpcEndpointType ?? 'Gateway') === 'Gateway').length,
    loadBalancers,
    httpApis: ofType('AWS::ApiGatewayV2::Api').filter((r) => props(r).ProtocolType === 'HTTP').length,
    secrets: ofType('AWS::SecretsManager::Secret').length,
    kmsKeys: ofType('AWS::KMS::Key').length,
    queues: ofType('AWS::SQS::Queue').length,
    buckets: ofType('AWS::S3::Bucket').length,
    tables: ofType('AWS::DynamoDB::GlobalTable').length + ofType('AWS::DynamoDB::Table').length,
    provisionedConcurrency,
  };
}

/** A poller group's name, or undefined for none ("" removes a mapping from its group). */
function pollerGroupOf(value: unknown): string | undefined {
  if (!value) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function tag(tags: unknown, key: string): string | undefined {
  if (Array.isArray(tags)) return tags.find((t) => t?.Key === key)?.Value;
  if (tags && typeof tags === 'object') return (tags as Record<string, string>)[key];
  return undefined;
}

function serviceName(value: unknown): string {
  const text = JSON.stringify(value);
  const match = /\.([a-z0-9-]+)"\]\]\}$/.exec(text) ?? /\.([a-z0-9-]+)"?$/.exec(text);
  return match?.[1] ?? text;
}

/**
 * The resource a `Ref`, `Fn::GetAtt` or `Fn::ImportValue` (of another stack's export) points at,
 * also when wrapped in an `Fn::Join` (e.g. a cluster ARN built from its Ref).
 */
export function resolveReference(templates: Templates, stack: string, value: unknown): { stack: string; id: string } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, any>;
  if (typeof v.Ref === 'string') return v.Ref.startsWith('AWS::') ? undefined : { stack, id: v.Ref };
  if (Array.isArray(v['Fn::GetAtt'])) return { stack, id: String(v['Fn::GetAtt'][0]) };
  if (v['Fn::ImportValue'] !== undefined) {
    const name = v['Fn::ImportValue'];
    for (const [producer, t] of Object.entries(templates)) {
      for (const output of Object.values(t.Outputs ?? {})) {
        if (JSON.stringify(output.Export?.Name) === JSON.stringify(name)) return resolveReference(templates, producer, output.Value);
      }
    }
    return undefined;
  }
  if (Array.isArray(v['Fn::Join'])) {
    for (const part of v['Fn::Join'][1] ?? []) {
      const found = resolveReference(templates, stack, part);
      if (found) return found;
    }
  }
  return undefined;
}
