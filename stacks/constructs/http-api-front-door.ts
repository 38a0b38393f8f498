import { CfnOutput, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_FLAG_PATHS, CAPTURE_PATHS, FLAGS_PATHS, FLAGS_PREFIXES, REPLAY_PATHS } from './routes';

export interface HttpApiFrontDoorProps {
  /** Receives the capture paths and every request no other route matches. */
  readonly capture: lambda.IFunction;
  /** Receives `/api/...`, `/_health` and `/flags/definitions`. */
  readonly api: lambda.IFunction;
  /** Receives `/flags`, `/decide` (and their sub-paths but `/flags/definitions`), `/array/...` and `/static/...`. */
  readonly flags: lambda.IFunction;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
}

/**
 * API Gateway HTTP API (payload format 2.0): $0 when idle, $1 per million requests.
 *
 * HTTP API route paths cannot end in "/", and `/e` does not match a request for `/e/`. So each
 * capture path gets `ANY /p` and `ANY /p/{proxy+}`, and the `$default` route (anything unmatched,
 * including trailing-slash variants) goes to capture too, which answers 404 for paths it does not know.
 *
 * The flags paths cannot lean on `$default` (that is capture), so they get the same pair of routes:
 * `ANY /flags` and `ANY /flags/{proxy+}`, which is what catches posthog-js' `/flags/?v=2`. The most
 * specific route wins, so `GET /flags/definitions` (posthog-node's local evaluation) still reaches
 * the API function ahead of `/flags/{proxy+}`.
 */
export class HttpApiFrontDoor extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly url: string;

  constructor(scope: Construct, id: string, props: HttpApiFrontDoorProps) {
    super(scope, id);
    const capture = new HttpLambdaIntegration('Capture', props.capture, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    const api = new HttpLambdaIntegration('Api', props.api, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    const flags = new HttpLambdaIntegration('Flags', props.flags, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Hedgerow: PostHog-compatible capture, flags, replay and API',
      createDefaultStage: false,
      defaultIntegration: capture,
    });
    const any = [apigwv2.HttpMethod.ANY];
    for (const path of [...CAPTURE_PATHS, ...REPLAY_PATHS]) {
      this.httpApi.addRoutes({ path, methods: any, integration: capture });
      this.httpApi.addRoutes({ path: `${path}/{proxy+}`, methods: any, integration: capture });
    }
    for (const path of FLAGS_PATHS) {
      this.httpApi.addRoutes({ path, methods: any, integration: flags });
      this.httpApi.addRoutes({ path: `${path}/{proxy+}`, methods: any, integration: flags });
    }
    for (const prefix of FLAGS_PREFIXES) this.httpApi.addRoutes({ path: `${prefix}/{proxy+}`, methods: any, integration: flags });
    for (const path of API_FLAG_PATHS) {
      this.httpApi.addRoutes({ path, methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.HEAD], integration: api });
      this.httpApi.addRoutes({ path: `${path}/{proxy+}`, methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.HEAD], integration: api });
    }
    this.httpApi.addRoutes({ path: '/api/{proxy+}', methods: [apigwv2.HttpMethod.ANY], integration: api });
    this.httpApi.addRoutes({ path: '/_health', methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.HEAD], integration: api });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });
    this.url = this.stage.url;

    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'PostHog SDKs send no AWS credentials: capture authenticates by project token in the payload, /api by personal API key checked in the handler.',
    });
    new CfnOutput(this, 'Url', { value: this.url, description: 'Point PostHog SDKs (api_host / host) here' });
  }
}
