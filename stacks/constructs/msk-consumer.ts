import { Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { BusChannel, ConsumerSettings } from '../profiles';
import type { HedgerowFunction } from './hedgerow-function';
import type { MskBus } from './msk-bus';

export interface MskConsumerProps {
  readonly function: HedgerowFunction;
  readonly bus: MskBus;
  /** The topic read, by channel. */
  readonly channel: BusChannel;
  /** `parallelizationFactor` is ignored: a Kafka partition is read by one poller. */
  readonly settings: ConsumerSettings;
  /** @default `hedgerow-<function name>` */
  readonly consumerGroupId?: string;
  /** @default lambda.StartingPosition.TRIM_HORIZON (nothing already on the topic is skipped) */
  readonly startingPosition?: lambda.StartingPosition;
}

/**
 * A Lambda fed by an MSK event-source mapping the way STYLE.md asks for every stream consumer:
 * partial batch failures, bisect on error, bounded retries and record age, and an on-failure
 * destination: the bus's failures bucket, which keeps each batch Lambda gave up on, records
 * included (an S3 bucket, because the pollers send it from the cluster's VPC, which reaches S3
 * through the gateway endpoint; SQS would need an interface endpoint).
 *
 * Kafka mappings honour those controls only in provisioned mode (docs.aws.amazon.com/lambda/latest/
 * dg/kafka-retry-configurations.html), so one event poller stays provisioned, at most one per
 * partition. Pollers are billed in Event Poller Units (EPU, $0.185 an hour in us-east-1), one EPU
 * per mapping on its own, or up to 10 minimum pollers per EPU for the mappings of one poller group
 * (kafka-scaling-modes.html): the bus's mappings share its group, so together they idle on one EPU.
 * As AWS describes provisioned mode (with-msk-cluster-network.html), its pollers invoke the
 * function from Lambda's side, so the cluster's VPC needs no Lambda or STS endpoint: not yet tried
 * on real AWS.
 */
export class MskConsumer extends Construct {
  readonly consumerGroupId: string;
  readonly eventSource: ManagedKafkaEventSource;

  constructor(scope: Construct, id: string, props: MskConsumerProps) {
    super(scope, id);
    const { bus, settings } = props;
    const fn = props.function;
    this.consumerGroupId = props.consumerGroupId ?? `hedgerow-${fn.name}`;
    bus.grantConsume(fn, props.channel, this.consumerGroupId);
    this.eventSource = new ManagedKafkaEventSource({
      clusterArn: bus.clusterArn,
      topic: bus.topics[props.channel],
      consumerGroupId: this.consumerGroupId,
      startingPosition: props.startingPosition ?? lambda.StartingPosition.TRIM_HORIZON,
      batchSize: settings.batchSize,
      maxBatchingWindow: settings.maxBatchingWindow,
      retryAttempts: settings.retryAttempts,
      maxRecordAge: settings.maxRecordAge,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      provisionedPollerConfig: { minimumPollers: 1, maximumPollers: bus.partitions, pollerGroupName: bus.pollerGroupName },
      onFailure: new FailuresBucketDestination(bus),
    });
    fn.function.addEventSource(this.eventSource);

    // ManagedKafkaEventSource attaches AWSLambdaMSKExecutionRole (the pollers' ENIs and cluster lookups).
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      reason: 'Attached by ManagedKafkaEventSource: the pollers create ENIs in the cluster\'s subnets (EC2 ENI actions cannot be scoped to resources) and look the cluster up; the Kafka data-plane grants are scoped to this cluster, topic and group.',
    });
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bus.failuresArnExportName}/*]`,
      reason: 'The event-source mapping writes each failed batch under a key Lambda generates, into the dedicated failures bucket; s3:PutObject only (plus s3:ListBucket on the bucket), as Lambda documents for S3 destinations.',
    });
  }
}

/**
 * The failures bucket as an on-failure destination with just s3:PutObject and s3:ListBucket
 * (aws-lambda-event-sources' S3OnFailureDestination grants read and write on the whole bucket).
 */
class FailuresBucketDestination implements lambda.IEventSourceDlq {
  constructor(private readonly bus: MskBus) {}

  bind(_target: lambda.IEventSourceMapping, targetHandler: iam.IGrantable): lambda.DlqDestinationConfig {
    this.bus.grantFailureWrites(targetHandler);
    return { destination: this.bus.failuresArnImport };
  }
}
