import { CfnOutput, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LambdaTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { API_FLAG_PATHS, CAPTURE_PATHS, FLAGS_PATHS, FLAGS_PREFIXES, REPLAY_PATHS } from './routes';

/** An ALB listener rule accepts at most five condition values. */
const MAX_VALUES_PER_RULE = 5;

export interface AlbFrontDoorProps {
  readonly vpc: ec2.IVpc;
  /** Receives the capture paths and every request no other rule matches. */
  readonly capture: lambda.IFunction;
  /** Receives `/api/*`, `/_health` and `/flags/definitions`. */
  readonly api: lambda.IFunction;
  /** Receives `/flags`, `/decide` (with any sub-path but `/flags/definitions`), `/array/*` and `/static/*`. */
  readonly flags: lambda.IFunction;
  /** Bucket for ALB access logs; used when the stack has a concrete region (ELB log delivery needs it). */
  readonly accessLogsBucket: s3.IBucket;
  /** ACM certificate for an HTTPS listener (port 80 then redirects). @default - HTTP on port 80 only */
  readonly certificateArn?: string;
}

/**
 * An internet-facing Application Load Balancer with Lambda targets. It needs the VPC's public
 * subnets and costs about $24/month even when idle (hourly fee plus one public IPv4 per AZ), so it
 * only pays off above roughly 24M requests a month (COST_FACTS.md §1.2).
 */
export class AlbFrontDoor extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;

  constructor(scope: Construct, id: string, props: AlbFrontDoorProps) {
    super(scope, id);
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'A public ingestion endpoint: PostHog SDKs on any network must reach it; the listener ports are the only ones open.',
    });
    if (Token.isUnresolved(Stack.of(this).region)) {
      Validations.of(this.loadBalancer).acknowledge({
        id: 'AwsSolutions-ELB2',
        reason: 'ELB log delivery needs a concrete region; access logs switch on when the app is synthesized for one (CDK_DEFAULT_REGION).',
      });
    } else {
      this.loadBalancer.logAccessLogs(props.accessLogsBucket, 'alb');
    }

    const captureTargets = new elbv2.ApplicationTargetGroup(this, 'CaptureTargets', {
      targetType: elbv2.TargetType.LAMBDA,
      targets: [new LambdaTarget(props.capture)],
    });
    const apiTargets = new elbv2.ApplicationTargetGroup(this, 'ApiTargets', {
      targetType: elbv2.TargetType.LAMBDA,
      targets: [new LambdaTarget(props.api)],
    });
    const flagsTargets = new elbv2.ApplicationTargetGroup(this, 'FlagsTargets', {
      targetType: elbv2.TargetType.LAMBDA,
      targets: [new LambdaTarget(props.flags)],
    });

    if (props.certificateArn) {
      this.listener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [captureTargets],
      });
      this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    } else {
      this.listener = this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultTargetGroups: [captureTargets],
      });
    }

    this.listener.addTargetGroups('Api', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/api/*', '/_health'])],
      targetGroups: [apiTargets],
    });
    // Lower numbers are evaluated first: /flags/definitions reaches the API before /flags/* the flags function.
    this.listener.addTargetGroups('LocalEvaluation', {
      priority: 5,
      conditions: [elbv2.ListenerCondition.pathPatterns(API_FLAG_PATHS.flatMap((p) => [p, `${p}/*`]))],
      targetGroups: [apiTargets],
    });
    const flagsPatterns = [...FLAGS_PATHS.flatMap((p) => [p, `${p}/*`]), ...FLAGS_PREFIXES.map((p) => `${p}/*`)];
    this.addRules('Flags', 12, flagsPatterns, flagsTargets);
    const capturePatterns = [...CAPTURE_PATHS, ...REPLAY_PATHS].flatMap((p) => [p, `${p}/*`]);
    this.addRules('Capture', 20, capturePatterns, captureTargets);
    const scheme = props.certificateArn ? 'https' : 'http';
    new CfnOutput(this, 'Url', {
      value: `${scheme}://${this.loadBalancer.loadBalancerDnsName}`,
      description: 'Point PostHog SDKs (api_host / host) here',
    });
  }

  /** Rules of at most five path patterns each, at consecutive priorities from `priority`. */
  private addRules(id: string, priority: number, patterns: readonly string[], targetGroup: elbv2.ApplicationTargetGroup): void {
    for (let i = 0; i < patterns.length; i += MAX_VALUES_PER_RULE) {
      this.listener.addTargetGroups(`${id}${i / MAX_VALUES_PER_RULE + 1}`, {
        priority: priority + i / MAX_VALUES_PER_RULE,
        conditions: [elbv2.ListenerCondition.pathPatterns(patterns.slice(i, i + MAX_VALUES_PER_RULE))],
        targetGroups: [targetGroup],
      });
    }
  }
}
