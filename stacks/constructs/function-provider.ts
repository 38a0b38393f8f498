import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import type { HedgerowFunction } from './hedgerow-function';

/**
 * The custom-resource Provider framework in front of one Hedgerow function (its onEvent handler),
 * with its log group (`<id>Logs`, a month) and the cdk-nag acknowledgements the framework's own
 * function needs.
 */
export function functionProvider(scope: Construct, id: string, fn: HedgerowFunction): cr.Provider {
  const provider = new cr.Provider(scope, id, {
    onEventHandler: fn.function,
    logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
  });
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The custom-resource Provider framework function (aws-cdk-lib internals) uses the basic execution role for its own logs.',
  });
  const fnId = Stack.of(scope).getLogicalId(fn.function.node.defaultChild as lambda.CfnFunction);
  Validations.of(provider).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`,
    reason: `The Provider framework may invoke any version of the ${fn.name} function (the ARN with a version suffix); that is the one function it fronts.`,
  });
  return provider;
}
