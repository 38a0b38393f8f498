import { API_FLAG_PATHS, CAPTURE_PATHS, FLAGS_PATHS, FLAGS_PREFIXES, REPLAY_PATHS } from '../../stacks/constructs/routes';
import { PROFILES, PROFILE_SETTINGS } from '../../stacks/profiles';
import { hedgerowFunction, resourcesOf, synthesized } from './helpers';

type Template = ReturnType<typeof synthesized>['ingestion'];
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** The IAM statements of one Hedgerow function's role. */
function statementsOf(template: Template, name: string): Statement[] {
  const role = hedgerowFunction(template, name).id.replace(/Function[0-9A-F]{8}$/, 'Role');
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith(role)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

/** The S3 object-key patterns (after the blob bucket's ARN) a statement with `action` covers. */
function s3Patterns(statements: Statement[], action: string): string[] {
  return statements
    .filter((s) => [s.Action].flat().includes(action))
    .flatMap((s) => [s.Resource].flat())
    .map((r) => JSON.stringify(r))
    .map((r) => /BlobBucketArn"\},"\/([^"]*)"/.exec(r)?.[1])
    .filter((p): p is string => p !== undefined)
    .sort();
}

describe.each(PROFILES)('flags and replay on AWS (%s)', (profile) => {
  const lean = profile === 'lean';
  const settings = PROFILE_SETTINGS[profile];
  const { ingestion } = synthesized(profile);

  test('the flags function runs outside the VPC and knows nothing but the key-value table', () => {
    const { props } = hedgerowFunction(ingestion, 'flags');
    expect(props.VpcConfig).toBeUndefined();
    expect(Object.keys(props.Environment.Variables).sort()).toEqual(['HEDGEROW_KV_TABLE', 'LOG_LEVEL']);
    const statements = statementsOf(ingestion, 'flags');
    const actions = actionsOf(statements);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem']));
    // Reads, plus PutItem for experience-continuity overrides; no deletes, no other service but logs and X-Ray.
    expect(actions.filter((a) => /^dynamodb:/.test(a) && !/Get|Describe|Query|Scan|ConditionCheck|PutItem/.test(a))).toEqual([]);
    expect(actions.filter((a) => !/^(dynamodb|logs|xray):/.test(a))).toEqual([]);
    // …and PutItem only on the overrides' keys.
    const puts = statements.filter((st) => [st.Action].flat().includes('dynamodb:PutItem'));
    expect(puts).toEqual([expect.objectContaining({ Action: 'dynamodb:PutItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['flags-overrides:*'] } } })]);
  });

  test(lean ? 'flags keeps no warm environments' : 'flags keeps warm environments behind its live alias', () => {
    const { id } = hedgerowFunction(ingestion, 'flags');
    const aliases = Object.values(resourcesOf(ingestion, 'AWS::Lambda::Alias')).filter((a) => a.Properties.FunctionName.Ref === id);
    if (lean) expect(aliases).toEqual([]);
    else {
      expect(aliases).toHaveLength(1);
      expect(aliases[0].Properties).toMatchObject({ Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: settings.flagsProvisionedConcurrency } });
    }
  });

  test('HTTP API: each flags path and its trailing-slash variant to flags, local evaluation to the API, /s to capture', () => {
    const routes = Object.values(resourcesOf(ingestion, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    const target = (key: string) => JSON.stringify(routes.find((r) => r.RouteKey === key)?.Target);
    const capture = target('$default');
    const api = target('ANY /api/{proxy+}');
    const flags = target('ANY /flags');
    expect(new Set([capture, api, flags]).size).toBe(3);
    for (const path of FLAGS_PATHS) {
      expect(target(`ANY ${path}`)).toBe(flags);
      // `/flags/` (posthog-js) and `/decide/?v=3` match the greedy route, not `$default` (capture).
      expect(target(`ANY ${path}/{proxy+}`)).toBe(flags);
    }
    for (const prefix of FLAGS_PREFIXES) expect(target(`ANY ${prefix}/{proxy+}`)).toBe(flags);
    for (const path of API_FLAG_PATHS) {
      expect(target(`GET ${path}`)).toBe(api);
      expect(target(`GET ${path}/{proxy+}`)).toBe(api);
    }
    for (const path of REPLAY_PATHS) {
      expect(target(`ANY ${path}`)).toBe(capture);
      expect(target(`ANY ${path}/{proxy+}`)).toBe(capture);
    }
    // The integration reaches the warm alias in scale.
    const flagsIntegration = Object.values(resourcesOf(ingestion, 'AWS::ApiGatewayV2::Integration')).find((i) => JSON.stringify(i.Properties.IntegrationUri).includes('Flags'));
    expect(JSON.stringify(flagsIntegration?.Properties.IntegrationUri)).toContain(lean ? 'FlagsFunction' : 'FlagsLive');
  });

  test('ALB: /flags/definitions reaches the API before /flags/* reaches flags; /s with capture', () => {
    const { ingestion: alb } = synthesized(profile, 'alb');
    const groups = Object.entries(resourcesOf(alb, 'AWS::ElasticLoadBalancingV2::TargetGroup'));
    const groupOf = (fn: RegExp) => groups.find(([, g]) => fn.test(JSON.stringify(g.Properties.Targets)))![0];
    const [captureGroup, apiGroup, flagsGroup] = [/Capture/, /Api/, /Flags/].map(groupOf);
    const rules = Object.values(resourcesOf(alb, 'AWS::ElasticLoadBalancingV2::ListenerRule')).map((r) => ({
      priority: r.Properties.Priority as number,
      patterns: r.Properties.Conditions[0].PathPatternConfig.Values as string[],
      group: r.Properties.Actions[0].TargetGroupArn.Ref as string,
    }));
    // What the ALB does with a path: the lowest-priority rule whose pattern matches.
    const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const route = (path: string) => rules.filter((r) => r.patterns.some((p) => glob(p).test(path))).sort((a, b) => a.priority - b.priority)[0]?.group ?? captureGroup;
    for (const path of ['/flags', '/flags/', '/decide', '/decide/', '/array/phc_x/config', '/array/phc_x/config.js', '/static/lazy-recorder.js', '/static/1.2.3/recorder.js']) {
      expect({ path, group: route(path) }).toEqual({ path, group: flagsGroup });
    }
    for (const path of ['/flags/definitions', '/api/feature_flag/local_evaluation', '/api/projects/1/session_recordings/']) {
      expect({ path, group: route(path) }).toEqual({ path, group: apiGroup });
    }
    for (const path of [...CAPTURE_PATHS, '/s', '/s/', '/e/']) expect({ path, group: route(path) }).toEqual({ path, group: captureGroup });
    for (const r of rules) expect(r.patterns.length).toBeLessThanOrEqual(5);
  });

  test('capture may put records on the recordings stream; the replay consumer reads it with the settings of the profile', () => {
    expect(hedgerowFunction(ingestion, 'capture').props.Environment.Variables.HEDGEROW_STREAM_RECORDINGS).toEqual({ 'Fn::ImportValue': expect.stringMatching(/Recordings/) });
    const writes = statementsOf(ingestion, 'capture').filter((s) => [s.Action].flat().includes('kinesis:PutRecords'));
    expect(writes.map((s) => JSON.stringify(s.Resource)).join()).toMatch(/Recordings/);
    const { id, props } = hedgerowFunction(ingestion, 'replay-consumer');
    expect(props.VpcConfig).toBeUndefined();
    expect(props).toMatchObject({ MemorySize: settings.replayConsumer.memorySize, Timeout: settings.replayConsumer.timeout.toSeconds() });
    const esm = Object.values(resourcesOf(ingestion, 'AWS::Lambda::EventSourceMapping')).find((e) => e.Properties.FunctionName.Ref === id);
    expect(esm?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::ImportValue': expect.stringMatching(/Recordings/) },
      BatchSize: settings.replayConsumer.batchSize,
      MaximumBatchingWindowInSeconds: settings.replayConsumer.maxBatchingWindow.toSeconds(),
      ParallelizationFactor: settings.replayConsumer.parallelizationFactor,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^ReplayConsumerSourceFailures/), 'Arn'] } } },
    });
  });

  test('least-privilege S3 grants: the consumer writes blocks and handles parts, the API reads and deletes recordings (and keeps large query results), nothing beyond those prefixes', () => {
    const consumer = statementsOf(ingestion, 'replay-consumer');
    expect(s3Patterns(consumer, 's3:PutObject')).toEqual(['dead-letters/*', 'replay-parts/*', 'replay/*']);
    expect(s3Patterns(consumer, 's3:GetObject*')).toEqual(['replay-parts/*']);
    expect(s3Patterns(consumer, 's3:DeleteObject*')).toEqual(['replay-parts/*']);
    const api = statementsOf(ingestion, 'api');
    expect(s3Patterns(api, 's3:GetObject*')).toEqual(['query-results/*', 'replay/*']);
    expect(s3Patterns(api, 's3:DeleteObject*')).toEqual(['replay-parts/*', 'replay/*']);
    expect(s3Patterns(api, 's3:PutObject')).toEqual(['query-results/*']);
    // Settings come from DynamoDB (read only), ClickHouse from its secret; no database grant, no VPC.
    expect(actionsOf(consumer).filter((a) => /^(rds|rds-data):/.test(a))).toEqual([]);
    expect(actionsOf(consumer).filter((a) => /^dynamodb:/.test(a) && !/Get|Describe|Query|Scan|ConditionCheck/.test(a))).toEqual([]);
    expect(actionsOf(consumer)).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue', 'dynamodb:GetItem']));
  });

  test('the ingestion consumer projects persons into the key-value table (writes; reads only what a merge moves)', () => {
    expect(hedgerowFunction(ingestion, 'ingestion-consumer').props.Environment.Variables.HEDGEROW_KV_TABLE).toBeDefined();
    const statements = statementsOf(ingestion, 'ingestion-consumer').filter((st) => [st.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(statements).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['flags-did:*', 'flags-person:*', 'flags-group:*'] } },
      }),
      expect.objectContaining({
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['flags-overrides:*', 'flags-static:*'] } },
      }),
    ]);
  });
});
