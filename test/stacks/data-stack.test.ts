import { Match } from 'aws-cdk-lib/assertions';
import { PROFILES } from '../../stacks/profiles';
import { resourcesOf, synthesized } from './helpers';

describe.each(PROFILES)('DataStack (%s)', (profile) => {
  const lean = profile === 'lean';
  const { data } = synthesized(profile);

  test('VPC without NAT gateways or an internet path; S3 and DynamoDB gateway endpoints', () => {
    data.resourceCountIs('AWS::EC2::VPC', 1);
    data.resourceCountIs('AWS::EC2::NatGateway', 0);
    data.resourceCountIs('AWS::EC2::InternetGateway', 0);
    data.resourceCountIs('AWS::EC2::EIP', 0);
    for (const service of ['s3', 'dynamodb']) {
      data.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`.${service}`])] }),
      });
    }
    data.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  test(lean ? 'no interface endpoints' : 'interface endpoints for Kinesis and Secrets Manager', () => {
    const interfaces = Object.values(resourcesOf(data, 'AWS::EC2::VPCEndpoint')).filter((e) => e.Properties.VpcEndpointType === 'Interface');
    const services = interfaces.map((e) => JSON.stringify(e.Properties.ServiceName)).sort();
    if (lean) expect(services).toEqual([]);
    else expect(services).toEqual([expect.stringContaining('.kinesis-streams'), expect.stringContaining('.secretsmanager')]);
  });

  test('Aurora PostgreSQL 16 Serverless v2 with the Data API, retained and encrypted', () => {
    data.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        Engine: 'aurora-postgresql',
        EngineVersion: Match.stringLikeRegexp('^16\\.'),
        EnableHttpEndpoint: true,
        StorageEncrypted: true,
        DeletionProtection: true,
        ServerlessV2ScalingConfiguration: lean
          ? { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 300 }
          : { MinCapacity: 0.5, MaxCapacity: 16 },
      }),
    });
    const instances = Object.values(resourcesOf(data, 'AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(lean ? 1 : 2);
    for (const i of instances) expect(i.Properties).toMatchObject({ DBInstanceClass: 'db.serverless', PubliclyAccessible: false });
  });

  test(lean ? 'no RDS Proxy (it would block auto-pause)' : 'an RDS Proxy that requires TLS', () => {
    data.resourceCountIs('AWS::RDS::DBProxy', lean ? 0 : 1);
    if (!lean) data.hasResourceProperties('AWS::RDS::DBProxy', { EngineFamily: 'POSTGRESQL', RequireTLS: true });
  });

  test('the master secret is retained with the cluster', () => {
    data.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"hedgerow"}' }) }),
    });
  });

  test('ElastiCache Serverless with the Valkey engine, reachable only from the clients security group', () => {
    data.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { Engine: 'valkey', MajorEngineVersion: '8' });
    const ingress = Object.values(resourcesOf(data, 'AWS::EC2::SecurityGroupIngress')).filter((r) => r.Properties.FromPort === 6379);
    expect(ingress).toHaveLength(1);
    expect(ingress[0].Properties.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Clients/), 'GroupId'] });
  });

  test('DynamoDB TableV2: pk string, TTL expiresAt, point-in-time recovery, retained', () => {
    data.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      }),
    });
  });

  test(`Kinesis streams events, events_processed and recordings: encrypted, ${lean ? 'one provisioned shard' : 'on-demand'}, retained`, () => {
    const streams = Object.values(resourcesOf(data, 'AWS::Kinesis::Stream'));
    expect(streams.map((s) => s.Properties.Tags.find((t: { Key: string }) => t.Key === 'hedgerow:stream').Value).sort()).toEqual(['events', 'events_processed', 'recordings']);
    for (const s of streams) {
      expect(s.DeletionPolicy).toBe('Retain');
      expect(s.Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
      expect(s.Properties.StreamModeDetails).toEqual({ StreamMode: lean ? 'PROVISIONED' : 'ON_DEMAND' });
      expect(s.Properties.ShardCount).toBe(lean ? 1 : undefined);
    }
  });

  test('every bucket is encrypted, blocks public access, denies plain HTTP and is retained', () => {
    const buckets = resourcesOf(data, 'AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const b of Object.values(buckets)) {
      expect(b.DeletionPolicy).toBe('Retain');
      expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
    const policies = Object.values(resourcesOf(data, 'AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    data.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/blobs/' }) });
  });

  test('the blob bucket expires replay blocks per retention prefix, stale parts and large query results after two days', () => {
    const blobs = Object.values(resourcesOf(data, 'AWS::S3::Bucket')).find((b) => b.Properties.LoggingConfiguration?.LogFilePrefix === 's3/blobs/');
    const rules = blobs?.Properties.LifecycleConfiguration.Rules as { Prefix?: string; ExpirationInDays?: number; Status: string }[];
    const expiring = Object.fromEntries(rules.filter((r) => r.Prefix).map((r) => [r.Prefix, r.ExpirationInDays]));
    expect(expiring).toEqual({ 'replay/30d/': 30, 'replay/90d/': 90, 'replay/365d/': 365, 'replay/1825d/': 1825, 'replay-parts/': 2, 'query-results/': 2 });
    for (const r of rules) expect(r.Status).toBe('Enabled');
    // Nothing else in the bucket (dead letters) expires.
    expect(rules.filter((r) => !r.Prefix && r.ExpirationInDays !== undefined)).toEqual([]);
  });

  test('the ClickHouse connection secret is a placeholder with a generated password', () => {
    data.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        GenerateSecretString: Match.objectLike({
          GenerateStringKey: 'password',
          SecretStringTemplate: Match.serializedJson({ url: Match.stringLikeRegexp('^https://'), username: 'default', database: 'default' }),
        }),
      }),
    });
  });
});

describe('DataStack with the ALB front door', () => {
  test('adds public subnets and an internet gateway, still no NAT; isolated subnets keep their CIDRs', () => {
    const { data } = synthesized('lean', 'alb');
    const { data: withoutAlb } = synthesized('lean', 'httpApi');
    data.resourceCountIs('AWS::EC2::InternetGateway', 1);
    data.resourceCountIs('AWS::EC2::NatGateway', 0);
    const cidrs = (t: typeof data, type: string) =>
      Object.values(resourcesOf(t, 'AWS::EC2::Subnet'))
        .filter((s) => s.Properties.Tags.some((tag: { Key: string; Value: string }) => tag.Key === 'aws-cdk:subnet-type' && tag.Value === type))
        .map((s) => s.Properties.CidrBlock);
    expect(cidrs(data, 'Public')).toHaveLength(2);
    expect(cidrs(data, 'Isolated')).toEqual(cidrs(withoutAlb, 'Isolated'));
  });
});
