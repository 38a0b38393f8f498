import { CustomResource, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { BUS_CHANNELS, KAFKA_TOPICS, type BusChannel } from '../profiles';
import { functionProvider } from './function-provider';
import { HedgerowFunction } from './hedgerow-function';

/** The brokers' port for SASL/IAM over TLS, the only listener this cluster has. */
export const KAFKA_IAM_PORT = 9098;
/**
 * CloudFormation type of the custom resource that creates the topics (lambdas/kafka-topics). Its
 * `Topics` property, `[{ TopicName, PartitionCount }]`, is the one list of the cluster's topics in
 * the template: the cost report reads it too (stacks/cost/inventory.ts).
 */
export const KAFKA_TOPICS_RESOURCE_TYPE = 'Custom::HedgerowKafkaTopics';

export interface MskBusProps {
  readonly vpc: ec2.IVpc;
  /** Where the brokers' endpoints live (and, for the event-source mappings, Lambda's pollers). */
  readonly subnets: ec2.SubnetSelection;
  /** In-VPC clients that produce to the topics (capture, the ingestion consumer). */
  readonly clients: ec2.ISecurityGroup;
  /** Partitions of each topic. */
  readonly partitions: number;
  /** Server-access logs of the failures bucket go here. */
  readonly accessLogsBucket: s3.IBucket;
  /** Of the cluster and the failures bucket. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The bus as Kafka (the `msk` option): an MSK Serverless cluster in the isolated subnets with IAM
 * client authentication, a topic per channel (created by a custom resource, see the constructor),
 * the SASL/IAM bootstrap broker string, the poller group its consumers' event-source mappings share,
 * and the S3 bucket where those mappings put each batch they give up on.
 *
 * Producers reach the brokers from the VPC only (the `clients` security group); the event-source
 * mappings' pollers run in the cluster's own subnets with its security group, so the group also
 * admits itself.
 */
export class MskBus extends Construct {
  readonly kind = 'msk' as const;
  readonly cluster: msk.CfnServerlessCluster;
  readonly clusterArn: string;
  /** `host:9098,…` of the SASL/IAM listener: MSK Serverless exposes it through the API only, not as a CloudFormation attribute. */
  readonly bootstrapBrokers: string;
  readonly topics: Readonly<Record<BusChannel, string>>;
  readonly partitions: number;
  /**
   * Creates the topics (KAFKA_TOPICS_RESOURCE_TYPE): the event-source mappings, in a stack that
   * depends on this one, are created after it.
   */
  readonly topicsResource: CustomResource;
  /**
   * `PollerGroupName` of the consumers' event-source mappings: mappings of one VPC with the same
   * name share Event Poller Units (stacks/constructs/msk-consumer.ts).
   */
  readonly pollerGroupName: string;
  readonly securityGroup: ec2.SecurityGroup;
  /** Batches the consumers' event-source mappings gave up on (records included), one object each. */
  readonly failures: s3.Bucket;
  /** The failures bucket's ARN through a named export (stable IAM resource strings, as DataStack.blobBucketArnImport). */
  readonly failuresArnImport: string;
  readonly failuresArnExportName: string;

  constructor(scope: Construct, id: string, props: MskBusProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.partitions = props.partitions;
    this.topics = KAFKA_TOPICS;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Hedgerow MSK Serverless brokers, and the Lambda event pollers that read them',
    });
    this.securityGroup.addIngressRule(props.clients, ec2.Port.tcp(KAFKA_IAM_PORT), 'Hedgerow clients (capture, ingestion consumer) to Kafka');
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(KAFKA_IAM_PORT), 'Lambda event pollers (their ENIs use this group) to Kafka');

    const clusterName = `${stack.stackName}-bus`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 64);
    this.pollerGroupName = `${clusterName}-pollers`;
    this.cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
      clusterName,
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [{ subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds, securityGroups: [this.securityGroup.securityGroupId] }],
    });
    this.cluster.applyRemovalPolicy(props.removalPolicy);
    this.clusterArn = this.cluster.attrArn;

    const brokers = new cr.AwsCustomResource(this, 'BootstrapBrokers', {
      // onUpdate is also the create call; a new cluster ARN re-runs it.
      onUpdate: {
        service: 'Kafka',
        action: 'getBootstrapBrokers',
        parameters: { ClusterArn: this.clusterArn },
        physicalResourceId: cr.PhysicalResourceId.of(this.clusterArn),
        outputPaths: ['BootstrapBrokerStringSaslIam'],
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.clusterArn] }),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'BootstrapBrokersLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    });
    this.bootstrapBrokers = brokers.getResponseField('BootstrapBrokerStringSaslIam');
    acknowledgeCustomResourceProvider(stack);

    // No AWS::MSK::Topic: it wraps MSK's topic APIs, which serve provisioned clusters only ("not
    // available for MSK Serverless clusters", docs.aws.amazon.com/msk/latest/developerguide/
    // msk-topic-operations-information.html), so it would fail the stack. On MSK Serverless a Kafka
    // admin client creates topics over SASL/IAM (kafka-cluster:CreateTopic; AWS's serverless example
    // gives a partition count only, msk-serverless-create-topic.html): this custom resource's
    // function, from the VPC like the producers (which never create topics).
    this.topicsResource = this.createTopicsResource(props);

    this.failures = new s3.Bucket(this, 'Failures', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 's3/bus-failures/',
      // No expiry: past the topic's retention these objects are the only copy of the records, as
      // the blob bucket's dead letters (which do not expire either).
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: props.removalPolicy,
    });
    this.failuresArnExportName = `${stack.stackName}:BusFailuresBucketArn`;
    this.failuresArnImport = stack.exportValue(this.failures.bucketArn, { name: this.failuresArnExportName });
  }

  /**
   * The `kafka-topics` function (a Kafka admin client in the isolated subnets, as a producer) behind
   * a Provider-framework custom resource. Create and Update create the topics still missing; a new
   * cluster ARN is an Update, so a replaced cluster gets its topics too; Delete leaves them.
   */
  private createTopicsResource(props: MskBusProps): CustomResource {
    const fn = new HedgerowFunction(this, 'KafkaTopics', {
      name: 'kafka-topics',
      description: 'Hedgerow Kafka topics (custom resource): creates the missing topics on MSK Serverless',
      vendored: ['kafkajs'],
      memorySize: 256,
      // Connecting (3 s timeout per broker), creating the topics and waiting for their leaders.
      timeout: Duration.minutes(2),
      environment: { HEDGEROW_KAFKA_BROKERS: this.bootstrapBrokers },
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.clients],
    });
    this.grantCreateTopics(fn);

    const provider = functionProvider(this, 'TopicsProvider', fn);

    const resource = new CustomResource(this, 'Topics', {
      serviceToken: provider.serviceToken,
      resourceType: KAFKA_TOPICS_RESOURCE_TYPE,
      properties: {
        ClusterArn: this.clusterArn,
        Topics: BUS_CHANNELS.map((c) => ({ TopicName: this.topics[c], PartitionCount: props.partitions })),
      },
    });
    // The brokers must admit the function (the clients group, on 9098) before it connects.
    resource.node.addDependency(this.securityGroup);
    return resource;
  }

  /** Create topics: connect, then describe and create this bus's topics (the kafka-topics custom resource). */
  grantCreateTopics(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:Connect'], resourceArns: [this.clusterArn] });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic'],
      resourceArns: BUS_CHANNELS.map((c) => this.topicArn(c)),
    });
  }

  /** Produce to `channels`: connect, then describe and write those topics (SASL/IAM). */
  grantProduce(grantee: iam.IGrantable, channels: readonly BusChannel[]): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:Connect'], resourceArns: [this.clusterArn] });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      resourceArns: channels.map((c) => this.topicArn(c)),
    });
  }

  /**
   * Consume `channel` as the consumer group `groupId`: what Lambda's event pollers do with the
   * function's role (docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html).
   */
  grantConsume(grantee: iam.IGrantable, channel: BusChannel, groupId: string): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'], resourceArns: [this.clusterArn] });
    iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], resourceArns: [this.topicArn(channel)] });
    iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], resourceArns: [this.groupArn(groupId)] });
  }

  /** Lets an event-source mapping put failed batches into the failures bucket: the two actions Lambda documents, nothing else. */
  grantFailureWrites(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [`${this.failuresArnImport}/*`] });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.failuresArnImport] });
  }

  topicArn(channel: BusChannel): string {
    return kafkaResourceArn(this.clusterArn, 'topic', this.topics[channel]);
  }

  groupArn(groupId: string): string {
    return kafkaResourceArn(this.clusterArn, 'group', groupId);
  }
}

/**
 * `arn:<partition>:kafka:<region>:<account>:<kind>/<cluster name>/<cluster uuid>/<name>` from the
 * cluster's `arn:…:cluster/<cluster name>/<cluster uuid>`: exact resources for kafka-cluster:* grants.
 */
function kafkaResourceArn(clusterArn: string, kind: 'topic' | 'group', name: string): string {
  const [prefix, clusterPath] = Fn.split(':cluster/', clusterArn, 2);
  return Fn.join('', [prefix, `:${kind}/`, clusterPath, `/${name}`]);
}

/**
 * The AwsCustomResource provider is one function per stack (aws-cdk-lib's singleton, beside this
 * construct rather than in it), so its acknowledgement goes on it where it lives.
 */
function acknowledgeCustomResourceProvider(stack: Stack): void {
  const provider = stack.node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
  if (!provider) throw new Error(`${stack.node.path}: no AwsCustomResource provider to acknowledge`);
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The AwsCustomResource provider (aws-cdk-lib internals) uses the basic execution role for its own logs; its one API call is granted separately, on this cluster only.',
  });
}
