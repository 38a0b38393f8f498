import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { optionsFromContext } from '../../bin/app';
import { KAFKA_TOPICS_RESOURCE_TYPE } from '../../stacks/constructs/msk-bus';
import { KAFKA_TOPICS, PROFILES, PROFILE_SETTINGS, type BusChannel } from '../../stacks/profiles';
import { hedgerowFunction, hedgerowFunctions, resourcesOf, synthesized } from './helpers';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const FAILURES_BUCKET = { 'Fn::ImportValue': 'HedgerowData:BusFailuresBucketArn' };
const CLUSTER_ARN = { 'Fn::ImportValue': expect.stringMatching(/^HedgerowData:ExportsOutputFnGetAttBusCluster[0-9A-F]{8}Arn/) };
/** The cluster's ARN, alone, as a resource string. */
const CLUSTER_ARN_RESOURCE = expect.stringMatching(/^\{"Fn::ImportValue":"HedgerowData:ExportsOutputFnGetAttBusCluster[0-9A-F]{8}Arn[0-9A-F]{8}"\}$/);

/** The statements of a function's role. */
function statementsOf(template: ReturnType<typeof synthesized>['ingestion'], fnId: string): Statement[] {
  const role = fnId.replace(/Function[0-9A-F]{8}$/, 'Role');
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith(role)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (st: Statement) => [st.Action].flat();
/** Resource strings of the statements granting `action`. */
const resourcesFor = (statements: Statement[], action: string) =>
  statements.filter((st) => actionsOf(st).includes(action)).flatMap((st) => [st.Resource].flat().map((r) => JSON.stringify(r)));
/** `…:topic/<cluster path>/<name>` or `…:group/…/<name>`, derived from the imported cluster ARN. */
const kafkaArn = (kind: 'topic' | 'group', name: string) => expect.stringMatching(new RegExp(`ExportsOutputFnGetAttBusCluster.*":${kind}/".*"/${name}"\\]\\]\\}$`));
/** The same topic ARN inside the data stack, derived from the cluster's own `Arn` attribute. */
const localTopicArn = (name: string) => expect.stringMatching(new RegExp(`^\\{"Fn::Join":.*"Fn::GetAtt":\\["BusCluster[0-9A-F]{8}","Arn"\\].*":topic/".*"/${name}"\\]\\]\\}$`));

describe('the bus option', () => {
  test('comes from context: kinesis by default, msk on request, anything else fails loudly', () => {
    expect(optionsFromContext(new App()).bus).toBe('kinesis');
    expect(optionsFromContext(new App({ context: { bus: 'msk' } })).bus).toBe('msk');
    expect(() => optionsFromContext(new App({ context: { bus: 'sqs' } }))).toThrow('Context "bus" must be one of kinesis | msk');
  });

  test('kinesis (the default) synthesizes no MSK resources', () => {
    for (const t of Object.values(synthesized('lean'))) {
      if (!('findResources' in t)) continue;
      for (const type of ['AWS::MSK::ServerlessCluster', 'AWS::MSK::Topic']) t.resourceCountIs(type, 0);
    }
  });
});

describe.each(PROFILES)('DataStack with the msk bus (%s)', (profile) => {
  const settings = PROFILE_SETTINGS[profile];
  const { data } = synthesized(profile, 'httpApi', 'msk');

  test('an MSK Serverless cluster with IAM client authentication in the isolated subnets, retained; no Kinesis, no NAT', () => {
    data.resourceCountIs('AWS::Kinesis::Stream', 0);
    data.resourceCountIs('AWS::EC2::NatGateway', 0);
    data.resourceCountIs('AWS::EC2::InternetGateway', 0);
    const clusters = Object.values(resourcesOf(data, 'AWS::MSK::ServerlessCluster'));
    expect(clusters).toHaveLength(1);
    expect(clusters[0].DeletionPolicy).toBe('Retain');
    expect(clusters[0].Properties.ClientAuthentication).toEqual({ Sasl: { Iam: { Enabled: true } } });
    const isolated = Object.entries(resourcesOf(data, 'AWS::EC2::Subnet'))
      .filter(([, s]) => s.Properties.Tags.some((t: { Key: string; Value: string }) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Isolated'))
      .map(([id]) => ({ Ref: id }));
    expect(isolated).toHaveLength(2);
    expect(clusters[0].Properties.VpcConfigs).toEqual([{ SubnetIds: isolated, SecurityGroups: [{ 'Fn::GetAtt': [expect.stringMatching(/^BusSecurityGroup/), 'GroupId'] }] }]);
  });

  test('the brokers admit TCP 9098 from the clients security group and from their own (the event pollers), nothing else', () => {
    const ingress = Object.values(resourcesOf(data, 'AWS::EC2::SecurityGroupIngress'))
      .map((r) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes('BusSecurityGroup'));
    expect(ingress.map((p) => [p.IpProtocol, p.FromPort, p.ToPort, p.SourceSecurityGroupId['Fn::GetAtt'][0]]).sort()).toEqual([
      ['tcp', 9098, 9098, expect.stringMatching(/^BusSecurityGroup/)],
      ['tcp', 9098, 9098, expect.stringMatching(/^Clients/)],
    ]);
  });

  test(`no AWS::MSK::Topic (provisioned clusters only): a custom resource creates three topics of ${settings.kafkaPartitions} partitions, once the brokers admit it`, () => {
    data.resourceCountIs('AWS::MSK::Topic', 0);
    const resources = Object.values(data.findResources(KAFKA_TOPICS_RESOURCE_TYPE));
    expect(resources).toHaveLength(1);
    const [topics] = resources;
    expect(topics.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^BusTopicsProviderframeworkonEvent/), 'Arn'] },
      // A replaced cluster changes the property, so the resource updates and creates the topics there too.
      ClusterArn: { 'Fn::GetAtt': [expect.stringMatching(/^BusCluster/), 'Arn'] },
      Topics: ['hedgerow-events', 'hedgerow-events-processed', 'hedgerow-recordings'].map((TopicName) => ({ TopicName, PartitionCount: settings.kafkaPartitions })),
    });
    // The framework's onEvent function fronts the kafka-topics function.
    const [framework] = Object.entries(resourcesOf(data, 'AWS::Lambda::Function')).filter(([id]) => id.startsWith('BusTopicsProviderframeworkonEvent'));
    expect(framework[1].Properties.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN).toEqual({ 'Fn::GetAtt': [hedgerowFunction(data, 'kafka-topics').id, 'Arn'] });
    // It runs after the brokers' security group and its ingress rules (the clients group on 9098) exist.
    const ingress = Object.entries(resourcesOf(data, 'AWS::EC2::SecurityGroupIngress')).filter(([, r]) => JSON.stringify(r.Properties.GroupId).includes('BusSecurityGroup'));
    expect(ingress).toHaveLength(2);
    expect(topics.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^BusSecurityGroup[0-9A-F]{8}$/), ...ingress.map(([id]) => id)]));
  });

  test('the kafka-topics function runs in the isolated subnets with the clients security group, with the SASL/IAM brokers', () => {
    const { id, props } = hedgerowFunction(data, 'kafka-topics');
    const isolated = Object.entries(resourcesOf(data, 'AWS::EC2::Subnet'))
      .filter(([, s]) => s.Properties.Tags.some((t: { Key: string; Value: string }) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Isolated'))
      .map(([subnetId]) => ({ Ref: subnetId }));
    expect(props.VpcConfig).toEqual({ SubnetIds: isolated, SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^Clients/), 'GroupId'] }] });
    expect(props.Environment.Variables).toEqual({
      HEDGEROW_KAFKA_BROKERS: { 'Fn::GetAtt': [expect.stringMatching(/^BusBootstrapBrokers/), 'BootstrapBrokerStringSaslIam'] },
      LOG_LEVEL: 'info',
    });
    expect(props).toMatchObject({ MemorySize: 256, Timeout: 120, Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    const role = Object.entries(resourcesOf(data, 'AWS::IAM::Role')).find(([roleId]) => roleId.startsWith(id.replace(/Function[0-9A-F]{8}$/, 'Role')))![1];
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/AWSLambdaVPCAccessExecutionRole');
  });

  test('the kafka-topics function may connect, and describe and create the three topics, nothing more', () => {
    const statements = statementsOf(data, hedgerowFunction(data, 'kafka-topics').id);
    expect(resourcesFor(statements, 'kafka-cluster:Connect')).toEqual([expect.stringMatching(/^\{"Fn::GetAtt":\["BusCluster[0-9A-F]{8}","Arn"\]\}$/)]);
    for (const action of ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic']) {
      expect(resourcesFor(statements, action).sort()).toEqual(['hedgerow-events', 'hedgerow-events-processed', 'hedgerow-recordings'].map(localTopicArn));
    }
    const kafkaActions = statements.flatMap(actionsOf).filter((a) => a.startsWith('kafka'));
    expect([...new Set(kafkaActions)].sort()).toEqual(['kafka-cluster:Connect', 'kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic']);
  });

  test('the SASL/IAM bootstrap brokers come from Kafka GetBootstrapBrokers, allowed on this cluster only, and are outputs', () => {
    const [call] = Object.values(resourcesOf(data, 'Custom::AWS'));
    expect(JSON.stringify(call.Properties.Create)).toContain('\\"service\\":\\"Kafka\\",\\"action\\":\\"getBootstrapBrokers\\"');
    expect(JSON.stringify(call.Properties.Update)).toContain('BootstrapBrokerStringSaslIam');
    const policy = Object.values(resourcesOf(data, 'AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.PolicyDocument).includes('kafka:'));
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'kafka:GetBootstrapBrokers', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^BusCluster/), 'Arn'] } },
    ]);
    data.hasOutput('KafkaBootstrapBrokers', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BusBootstrapBrokers'), 'BootstrapBrokerStringSaslIam'] } });
    data.hasOutput('KafkaClusterArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BusCluster'), 'Arn'] } });
  });

  test('a Secrets Manager interface endpoint (the in-VPC consumer reads the database secret), no Kinesis endpoint', () => {
    const interfaces = Object.values(resourcesOf(data, 'AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.VpcEndpointType === 'Interface');
    expect(interfaces.map((e) => JSON.stringify(e.Properties.ServiceName))).toEqual([expect.stringContaining('.secretsmanager')]);
  });

  test('a failures bucket: encrypted, TLS only, access-logged, retained, nothing expires', () => {
    const [id, bucket] = Object.entries(resourcesOf(data, 'AWS::S3::Bucket')).find(([, b]) => b.Properties.LoggingConfiguration?.LogFilePrefix === 's3/bus-failures/')!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.LifecycleConfiguration.Rules.filter((r: { ExpirationInDays?: number }) => r.ExpirationInDays !== undefined)).toEqual([]);
    const policy = Object.values(resourcesOf(data, 'AWS::S3::BucketPolicy')).find((p) => p.Properties.Bucket.Ref === id);
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    data.hasOutput('*', { Export: { Name: 'HedgerowData:BusFailuresBucketArn' }, Value: { 'Fn::GetAtt': [id, 'Arn'] } });
  });
});

describe.each(PROFILES)('IngestionStack with the msk bus (%s)', (profile) => {
  const lean = profile === 'lean';
  const settings = PROFILE_SETTINGS[profile];
  const { ingestion, migration, stacks } = synthesized(profile, 'httpApi', 'msk');
  const consumers = [
    { fn: 'ingestion-consumer', channel: 'events' as BusChannel, s: settings.ingestionConsumer },
    { fn: 'clickhouse-loader', channel: 'events_processed' as BusChannel, s: settings.clickhouseLoader },
    { fn: 'replay-consumer', channel: 'recordings' as BusChannel, s: settings.replayConsumer },
  ];

  test('MSK event-source mappings: topic, consumer group, batching, bisect, partial failures, retries, record age, provisioned pollers, S3 on failure', () => {
    const esms = resourcesOf(ingestion, 'AWS::Lambda::EventSourceMapping');
    expect(Object.keys(esms)).toHaveLength(3);
    for (const { fn, channel, s } of consumers) {
      const { id } = hedgerowFunction(ingestion, fn);
      const esm = Object.values(esms).find((e) => e.Properties.FunctionName.Ref === id);
      expect(esm?.Properties).toEqual({
        EventSourceArn: CLUSTER_ARN,
        FunctionName: { Ref: id },
        Topics: [KAFKA_TOPICS[channel]],
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: `hedgerow-${fn}` },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: s.batchSize,
        MaximumBatchingWindowInSeconds: s.maxBatchingWindow.toSeconds(),
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: s.retryAttempts,
        MaximumRecordAgeInSeconds: s.maxRecordAge.toSeconds(),
        // One poller group for the three: they share Event Poller Units (one EPU for their three minimum pollers).
        ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: settings.kafkaPartitions, PollerGroupName: 'hedgerowdata-bus-pollers' },
        DestinationConfig: { OnFailure: { Destination: FAILURES_BUCKET } },
        Tags: expect.any(Array),
      });
    }
  });

  test('the mappings deploy after the topics exist: the ingestion stack depends on the data stack, whose custom resource creates them', () => {
    expect(stacks.ingestion.dependencies).toContain(stacks.data);
    expect(stacks.data.dependencies).toEqual([]);
  });

  test('capture and the ingestion consumer produce from inside the VPC with the brokers and topic names; the loader and replay consumer stay out', () => {
    const brokers = { 'Fn::ImportValue': expect.stringMatching(/BootstrapBrokerStringSaslIam/) };
    const clients = [{ 'Fn::ImportValue': expect.stringMatching(/Clients/) }];
    const capture = hedgerowFunction(ingestion, 'capture').props;
    expect(capture.VpcConfig.SecurityGroupIds).toEqual(clients);
    expect(capture.VpcConfig.SubnetIds).toHaveLength(2);
    expect(capture.Environment.Variables).toMatchObject({ HEDGEROW_KAFKA_BROKERS: brokers, HEDGEROW_STREAM_EVENTS: 'hedgerow-events', HEDGEROW_STREAM_RECORDINGS: 'hedgerow-recordings' });
    const consumer = hedgerowFunction(ingestion, 'ingestion-consumer').props;
    expect(consumer.VpcConfig.SecurityGroupIds).toEqual(clients);
    expect(consumer.Environment.Variables).toMatchObject({ HEDGEROW_KAFKA_BROKERS: brokers, HEDGEROW_STREAM_EVENTS_PROCESSED: 'hedgerow-events-processed' });
    for (const name of ['clickhouse-loader', 'replay-consumer', 'api', 'query-worker', 'flags']) {
      const { props } = hedgerowFunction(ingestion, name);
      expect(props.VpcConfig).toBeUndefined();
      expect(props.Environment.Variables.HEDGEROW_KAFKA_BROKERS).toBeUndefined();
    }
    expect(hedgerowFunction(migration, 'migrate').props.VpcConfig).toBeUndefined();
    for (const { props } of [...hedgerowFunctions(ingestion), ...hedgerowFunctions(migration)]) {
      for (const name of Object.keys(props.Environment.Variables)) expect(name).toMatch(/^(HEDGEROW_[A-Z_]+|LOG_LEVEL|NODE_OPTIONS|NODE_EXTRA_CA_CERTS)$/);
    }
  });

  test(`the ingestion consumer reaches Postgres over TCP ${lean ? 'at the writer endpoint (no proxy), trusting the RDS CAs' : 'through RDS Proxy'}, with the secret`, () => {
    const { id, props } = hedgerowFunction(ingestion, 'ingestion-consumer');
    expect(props.Environment.Variables).toMatchObject({
      HEDGEROW_DATABASE_MODE: 'pg',
      HEDGEROW_DATABASE_HOST: { 'Fn::ImportValue': expect.stringMatching(lean ? /DatabaseB269D8BBEndpointAddress/ : /Proxy/) },
    });
    // An Aurora instance's certificate chains to an RDS CA, in Lambda's bundle but not in Node's list; the proxy's does not need it.
    expect(props.Environment.Variables.NODE_EXTRA_CA_CERTS).toBe(lean ? '/var/runtime/ca-cert.pem' : undefined);
    expect(props.Environment.Variables.HEDGEROW_DATABASE_CLUSTER_ARN).toBeUndefined();
    expect(JSON.stringify(props.Environment.Variables.HEDGEROW_REDIS_URL)).toContain('rediss://');
    const statements = statementsOf(ingestion, id);
    expect(resourcesFor(statements, 'secretsmanager:GetSecretValue')).toEqual([expect.stringContaining('DatabaseSecretAttachment')]);
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('rds-data:'))).toEqual([]);
  });

  test('no Kinesis permission anywhere; no SQS failure queues besides the query worker\'s', () => {
    const actions = Object.values(resourcesOf(ingestion, 'AWS::IAM::Policy')).flatMap((p) => (p.Properties.PolicyDocument.Statement as Statement[]).flatMap(actionsOf));
    expect(actions.filter((a) => a.startsWith('kinesis:'))).toEqual([]);
    expect(Object.keys(resourcesOf(ingestion, 'AWS::SQS::Queue'))).toEqual([expect.stringMatching(/^QueryWorkerInvokesFailures/)]);
  });

  test('producers may connect and write their own topics, nothing more', () => {
    const capture = statementsOf(ingestion, hedgerowFunction(ingestion, 'capture').id);
    expect(resourcesFor(capture, 'kafka-cluster:Connect')).toEqual([CLUSTER_ARN_RESOURCE]);
    for (const action of ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData']) {
      expect(resourcesFor(capture, action).sort()).toEqual([kafkaArn('topic', 'hedgerow-events'), kafkaArn('topic', 'hedgerow-recordings')]);
    }
    const kafkaActions = capture.flatMap(actionsOf).filter((a) => a.startsWith('kafka'));
    expect([...new Set(kafkaActions)].sort()).toEqual(['kafka-cluster:Connect', 'kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData']);
    const consumer = statementsOf(ingestion, hedgerowFunction(ingestion, 'ingestion-consumer').id);
    expect(resourcesFor(consumer, 'kafka-cluster:WriteData')).toEqual([kafkaArn('topic', 'hedgerow-events-processed')]);
  });

  test('consumers may connect, read their topic and use their group; failed batches go to the failures bucket (PutObject, ListBucket)', () => {
    for (const { fn, channel } of consumers) {
      const { id } = hedgerowFunction(ingestion, fn);
      const statements = statementsOf(ingestion, id);
      for (const action of ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration']) {
        expect(resourcesFor(statements, action)).toEqual([CLUSTER_ARN_RESOURCE]);
      }
      expect(resourcesFor(statements, 'kafka-cluster:ReadData')).toEqual([kafkaArn('topic', KAFKA_TOPICS[channel])]);
      for (const action of ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup']) expect(resourcesFor(statements, action)).toEqual([kafkaArn('group', `hedgerow-${fn}`)]);
      if (fn !== 'ingestion-consumer') expect(resourcesFor(statements, 'kafka-cluster:WriteData')).toEqual([]);
      expect(resourcesFor(statements, 's3:PutObject')).toContain(JSON.stringify({ 'Fn::Join': ['', [FAILURES_BUCKET, '/*']] }));
      expect(resourcesFor(statements, 's3:ListBucket')).toEqual([JSON.stringify(FAILURES_BUCKET)]);
      // ManagedKafkaEventSource's own lookups, on the cluster, and the pollers' ENIs through the AWS-managed policy.
      expect(resourcesFor(statements, 'kafka:GetBootstrapBrokers')).toEqual([CLUSTER_ARN_RESOURCE]);
      const role = Object.entries(resourcesOf(ingestion, 'AWS::IAM::Role')).find(([roleId]) => roleId.startsWith(id.replace(/Function[0-9A-F]{8}$/, 'Role')))![1];
      expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/AWSLambdaMSKExecutionRole');
    }
    for (const statement of Object.values(resourcesOf(ingestion, 'AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])) {
      if (actionsOf(statement).some((a) => a.startsWith('kafka'))) expect([statement.Resource].flat()).not.toContain('*');
    }
  });
});
