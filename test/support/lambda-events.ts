import { randomUUID } from 'node:crypto';
import type { ALBEvent, APIGatewayProxyEventV2, CloudFormationCustomResourceEvent, Context, MSKEvent, MSKRecord } from 'aws-lambda';

/**
 * Lambda events as AWS delivers them, for invoking real handler modules in tests. Field sets
 * follow the documented payloads: API Gateway HTTP API payload format 2.0, ALB target-group
 * events (multi-value headers off), and the custom-resource Provider framework's onEvent input.
 */

export interface HttpCall {
  readonly method: string;
  /** Path with an optional query string, e.g. `/api/projects/@current/events/?limit=5`. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  readonly sourceIp?: string;
}

/** API Gateway HTTP API (payload 2.0): lower-case headers, raw path and query, binary bodies base64. */
export function httpApiEvent(call: HttpCall): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = call.url.split('?', 2);
  const sourceIp = call.sourceIp ?? '203.0.113.10';
  const headers = Object.fromEntries(Object.entries(call.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  headers['x-forwarded-for'] ??= sourceIp;
  const now = new Date();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: { method: call.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (rawQueryString) event.queryStringParameters = Object.fromEntries(new URLSearchParams(rawQueryString));
  return withBody(event, call.body);
}

/** An ALB target-group event: the client's headers as sent, query values still percent-encoded. */
export function albEvent(call: HttpCall): ALBEvent {
  const [path, query = ''] = call.url.split('?', 2);
  const sourceIp = call.sourceIp ?? '198.51.100.20';
  const queryStringParameters: Record<string, string> = {};
  for (const pair of query.split('&').filter(Boolean)) {
    const [k, v = ''] = pair.split('=', 2);
    queryStringParameters[k] = v;
  }
  const event: ALBEvent = {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/hedgerow-capture/0123456789abcdef' } },
    httpMethod: call.method,
    path,
    queryStringParameters,
    headers: {
      host: 'capture.example.com',
      'x-amzn-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      'x-forwarded-for': `${sourceIp}, 10.0.1.23`,
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...Object.fromEntries(Object.entries(call.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    },
    body: '',
    isBase64Encoded: false,
  };
  return withBody(event, call.body);
}

/** Both services send a binary (or compressed) body as base64 and say so; without one, API Gateway omits it and ALB sends "". */
function withBody<T extends { body?: string | null; isBase64Encoded: boolean }>(event: T, body: Buffer | string | undefined): T {
  if (body === undefined) return event;
  if (typeof body === 'string') return { ...event, body, isBase64Encoded: false };
  return { ...event, body: body.toString('base64'), isBase64Encoded: true };
}

/** A Lambda context (what Powertools' injectLambdaContext reads). */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2026/11/23/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** What the custom-resource Provider framework hands its onEvent function. */
export function customResourceEvent(requestType: 'Create' | 'Update' | 'Delete', properties: Record<string, string> = {}): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:hedgerow-migrations-provider',
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/presigned',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/HedgerowMigrations/00000000-0000-4000-8000-000000000000',
    RequestId: randomUUID(),
    LogicalResourceId: 'Migrations',
    ResourceType: 'AWS::CloudFormation::CustomResource',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:hedgerow-migrations-provider', ...properties },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  if (requestType === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: 'hedgerow-migrations', OldResourceProperties: base.ResourceProperties };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: 'hedgerow-migrations' };
}

/** An MSK event-source mapping's event: records grouped under `<topic>-<partition>`, keys and values base64. */
export function mskEvent(records: readonly MSKRecord[], clusterArn = 'arn:aws:kafka:us-east-1:123456789012:cluster/hedgerow/abcd-1'): MSKEvent {
  const grouped: MSKEvent['records'] = {};
  for (const r of records) (grouped[`${r.topic}-${r.partition}`] ??= []).push(r);
  return { eventSource: 'aws:kafka', eventSourceArn: clusterArn, bootstrapServers: 'b-1.hedgerow.kafka.us-east-1.amazonaws.com:9098', records: grouped };
}
