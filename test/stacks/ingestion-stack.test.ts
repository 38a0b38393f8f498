import { Match } from 'aws-cdk-lib/assertions';
import { CAPTURE_PATHS } from '../../stacks/constructs/routes';
import { PROFILES, PROFILE_SETTINGS } from '../../stacks/profiles';
import { hedgerowFunction, hedgerowFunctions, resourcesOf, synthesize, synthesized } from './helpers';

/** The Lambda environment contract of docs/architecture.md. */
const CONTRACT = new Set([
  'HEDGEROW_STREAM_EVENTS',
  'HEDGEROW_STREAM_EVENTS_PROCESSED',
  'HEDGEROW_STREAM_RECORDINGS',
  'HEDGEROW_KV_TABLE',
  'HEDGEROW_BLOB_BUCKET',
  'HEDGEROW_CLICKHOUSE_SECRET_ARN',
  'HEDGEROW_DATABASE_MODE',
  'HEDGEROW_DATABASE_CLUSTER_ARN',
  'HEDGEROW_DATABASE_SECRET_ARN',
  'HEDGEROW_DATABASE_NAME',
  'HEDGEROW_DATABASE_HOST',
  'HEDGEROW_REDIS_URL',
  'HEDGEROW_QUERY_WORKER_FUNCTION',
  'LOG_LEVEL',
  'NODE_OPTIONS',
]);

describe.each(PROFILES)('IngestionStack (%s)', (profile) => {
  const lean = profile === 'lean';
  const settings = PROFILE_SETTINGS[profile];
  const { ingestion, migration } = synthesized(profile);

  test('every Hedgerow function: Node 22 on ARM64, JSON logs to its own group, X-Ray, contract env names', () => {
    const fns = [...hedgerowFunctions(ingestion), ...hedgerowFunctions(migration)];
    expect(fns).toHaveLength(8);
    for (const { props } of fns) {
      expect(props.Runtime).toBe('nodejs22.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      expect(props.LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', LogGroup: { Ref: expect.any(String) } });
      for (const name of Object.keys(props.Environment.Variables)) expect(CONTRACT).toContain(name);
    }
    for (const lg of Object.values(resourcesOf(ingestion, 'AWS::Logs::LogGroup'))) expect(lg.Properties.RetentionInDays).toBe(30);
  });

  test('event-source mappings: batching, bisect, partial failures, retries, SQS on-failure destination', () => {
    const consumers = [
      { fn: 'ingestion-consumer', stream: /^HedgerowData:ExportsOutputFnGetAttEventsD/, s: settings.ingestionConsumer },
      { fn: 'clickhouse-loader', stream: /^HedgerowData:ExportsOutputFnGetAttEventsProcessed/, s: settings.clickhouseLoader },
      { fn: 'replay-consumer', stream: /^HedgerowData:ExportsOutputFnGetAttRecordings/, s: settings.replayConsumer },
    ];
    const esms = resourcesOf(ingestion, 'AWS::Lambda::EventSourceMapping');
    expect(Object.keys(esms)).toHaveLength(3);
    for (const { fn, stream, s } of consumers) {
      const { id } = hedgerowFunction(ingestion, fn);
      const esm = Object.values(esms).find((e) => e.Properties.FunctionName.Ref === id);
      expect(esm?.Properties).toEqual(
        expect.objectContaining({
          EventSourceArn: { 'Fn::ImportValue': expect.stringMatching(stream) },
          BatchSize: s.batchSize,
          MaximumBatchingWindowInSeconds: s.maxBatchingWindow.toSeconds(),
          ParallelizationFactor: s.parallelizationFactor,
          MaximumRetryAttempts: s.retryAttempts,
          MaximumRecordAgeInSeconds: s.maxRecordAge.toSeconds(),
          BisectBatchOnFunctionError: true,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          StartingPosition: 'TRIM_HORIZON',
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/Failures/), 'Arn'] } } },
        }),
      );
    }
    // ClickHouse Cloud idles between inserts: the loader batches for longer than the consumer.
    expect(settings.clickhouseLoader.maxBatchingWindow.toSeconds()).toBeGreaterThan(settings.ingestionConsumer.maxBatchingWindow.toSeconds());
  });

  test('one encrypted, TLS-only dead-letter queue per consumer and for the query worker', () => {
    const queues = Object.values(resourcesOf(ingestion, 'AWS::SQS::Queue'));
    expect(queues).toHaveLength(4);
    for (const q of queues) expect(q.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    const policies = Object.values(resourcesOf(ingestion, 'AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(4);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });

  test(lean ? 'every function stays outside the VPC; Postgres through the Data API' : 'only the ingestion consumer runs in the VPC, through RDS Proxy', () => {
    for (const name of ['capture', 'clickhouse-loader', 'api', 'query-worker', 'flags', 'replay-consumer']) expect(hedgerowFunction(ingestion, name).props.VpcConfig).toBeUndefined();
    expect(hedgerowFunction(migration, 'migrate').props.VpcConfig).toBeUndefined();
    const consumer = hedgerowFunction(ingestion, 'ingestion-consumer').props;
    const env = consumer.Environment.Variables;
    if (lean) {
      expect(consumer.VpcConfig).toBeUndefined();
      expect(env).toMatchObject({ HEDGEROW_DATABASE_MODE: 'data-api', HEDGEROW_DATABASE_NAME: 'hedgerow' });
      expect(env.HEDGEROW_DATABASE_CLUSTER_ARN).toBeDefined();
      expect(env.HEDGEROW_REDIS_URL).toBeUndefined();
    } else {
      expect(consumer.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::ImportValue': expect.stringMatching(/Clients/) }]);
      expect(env).toMatchObject({ HEDGEROW_DATABASE_MODE: 'pg', HEDGEROW_DATABASE_HOST: { 'Fn::ImportValue': expect.stringMatching(/Proxy/) } });
      expect(JSON.stringify(env.HEDGEROW_REDIS_URL)).toContain('rediss://');
    }
    expect(hedgerowFunction(ingestion, 'api').props.Environment.Variables.HEDGEROW_DATABASE_MODE).toBe('data-api');
  });

  test('the query worker: invoked asynchronously by the api alone, bounded retries and event age, failures to SQS, the api\'s data access', () => {
    const worker = hedgerowFunction(ingestion, 'query-worker');
    const api = hedgerowFunction(ingestion, 'api');
    // Far above max_execution_time, within the job deadline together with the event age.
    expect(worker.props.Timeout).toBe(300);
    expect(worker.props.Timeout).toBeGreaterThan(api.props.Timeout * 5);
    expect(worker.props.VpcConfig).toBeUndefined();
    expect(Object.keys(worker.props.Environment.Variables).sort()).toEqual(
      ['HEDGEROW_BLOB_BUCKET', 'HEDGEROW_CLICKHOUSE_SECRET_ARN', 'HEDGEROW_DATABASE_CLUSTER_ARN', 'HEDGEROW_DATABASE_MODE', 'HEDGEROW_DATABASE_NAME', 'HEDGEROW_DATABASE_SECRET_ARN', 'HEDGEROW_KV_TABLE', 'LOG_LEVEL'],
    );
    ingestion.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: worker.id },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 300,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^QueryWorkerInvokesFailures'), 'Arn'] } } },
    });
    expect(api.props.Environment.Variables.HEDGEROW_QUERY_WORKER_FUNCTION).toEqual({ Ref: worker.id });

    const invokes = Object.values(resourcesOf(ingestion, 'AWS::IAM::Policy')).flatMap((p) =>
      p.Properties.PolicyDocument.Statement.filter((st: { Action: string | string[] }) => [st.Action].flat().includes('lambda:InvokeFunction')).map((st: { Resource: unknown }) => ({
        role: p.Properties.Roles[0].Ref as string,
        resources: JSON.stringify(st.Resource),
      })),
    );
    expect(invokes).toHaveLength(1);
    expect(invokes[0].role.startsWith(api.id.replace(/Function[0-9A-F]{8}$/, 'Role'))).toBe(true);
    expect(invokes[0].resources).toContain(worker.id);
    expect(invokes[0].resources).not.toContain(api.id);

    // DynamoDB: only the shared query cache's keys; S3: only the query-results prefix.
    const workerRole = worker.id.replace(/Function[0-9A-F]{8}$/, 'Role');
    const statements = Object.values(resourcesOf(ingestion, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles[0].Ref.startsWith(workerRole))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const dynamo = statements.filter((st: { Action: string | string[] }) => [st.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([expect.objectContaining({ Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['cache:*'] } } })]);
    const s3Resources = JSON.stringify(statements.filter((st: { Action: string | string[] }) => [st.Action].flat().some((a) => a.startsWith('s3:'))).map((st: { Resource: unknown }) => st.Resource));
    expect(s3Resources).toContain('/query-results/*');
    expect(s3Resources).not.toMatch(/replay|dead-letters/);
  });

  test(lean ? 'capture has no provisioned concurrency' : 'capture keeps warm environments behind the live alias', () => {
    if (lean) ingestion.resourceCountIs('AWS::Lambda::Alias', 0);
    else {
      const { id } = hedgerowFunction(ingestion, 'capture');
      ingestion.hasResourceProperties('AWS::Lambda::Alias', {
        Name: 'live',
        FunctionName: { Ref: id },
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: settings.captureProvisionedConcurrency },
      });
    }
  });

  test('permissions come from grants: capture may put records on events and read the table, nothing more', () => {
    const { id } = hedgerowFunction(ingestion, 'capture');
    const role = id.replace(/Function[0-9A-F]{8}$/, 'Role');
    const policy = Object.values(resourcesOf(ingestion, 'AWS::IAM::Policy')).find((p) => p.Properties.Roles[0].Ref.startsWith(role));
    const actions = policy?.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['kinesis:PutRecords', 'dynamodb:GetItem', 'logs:PutLogEvents']));
    expect(actions.filter((a: string) => /^(kinesis|dynamodb):/.test(a) && !/Put|Get|Describe|List|Query|Scan|ConditionCheck|BatchGet/.test(a))).toEqual([]);
    for (const statement of Object.values(resourcesOf(ingestion, 'AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement)) {
      expect([statement.Action].flat()).not.toContain('*');
    }
  });

  test('HTTP API: capture paths with and without a trailing slash, /api and /_health to the API, payload v2, access logs, throttling', () => {
    ingestion.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    ingestion.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = Object.values(resourcesOf(ingestion, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    const target = (key: string) => JSON.stringify(routes.find((r) => r.RouteKey === key)?.Target);
    const captureTarget = target('$default');
    for (const path of CAPTURE_PATHS) {
      expect(target(`ANY ${path}`)).toBe(captureTarget);
      expect(target(`ANY ${path}/{proxy+}`)).toBe(captureTarget);
    }
    expect(target('ANY /api/{proxy+}')).toBe(target('GET /_health'));
    expect(target('ANY /api/{proxy+}')).not.toBe(captureTarget);
    for (const i of Object.values(resourcesOf(ingestion, 'AWS::ApiGatewayV2::Integration'))) {
      expect(i.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    }
    ingestion.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingRateLimit: settings.throttle.rateLimit, ThrottlingBurstLimit: settings.throttle.burstLimit },
    });
  });
});

describe.each(PROFILES)('IngestionStack with the ALB front door (%s)', (profile) => {
  const { ingestion } = synthesized(profile, 'alb');

  test('an internet-facing ALB with Lambda target groups and capture-path rules of at most five values', () => {
    ingestion.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    ingestion.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing', Type: 'application' });
    const groups = Object.values(resourcesOf(ingestion, 'AWS::ElasticLoadBalancingV2::TargetGroup'));
    expect(groups).toHaveLength(3);
    for (const g of groups) expect(g.Properties.TargetType).toBe('lambda');
    const patterns = Object.values(resourcesOf(ingestion, 'AWS::ElasticLoadBalancingV2::ListenerRule')).flatMap((r) => {
      const values = r.Properties.Conditions[0].PathPatternConfig.Values as string[];
      expect(values.length).toBeLessThanOrEqual(5);
      return values;
    });
    for (const path of CAPTURE_PATHS) expect(patterns).toEqual(expect.arrayContaining([path, `${path}/*`]));
    expect(patterns).toEqual(expect.arrayContaining(['/api/*', '/_health']));
    if (profile === 'scale') {
      // The ALB invokes the warm alias.
      ingestion.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'elasticloadbalancing.amazonaws.com', FunctionName: { Ref: Match.stringLikeRegexp('^CaptureLive') } });
    }
  });
});

describe('IngestionStack with a concrete region', () => {
  test('the ALB writes access logs to the access-log bucket', () => {
    const { ingestion } = synthesize({ profile: 'lean', frontDoor: 'alb', env: { account: '123456789012', region: 'eu-west-1' } });
    ingestion.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.prefix', Value: 'alb' },
      ]),
    });
  });
});
