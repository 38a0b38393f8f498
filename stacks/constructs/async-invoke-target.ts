import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { failureQueue } from './failure-queue';
import type { HedgerowFunction } from './hedgerow-function';

export interface AsyncInvokeTargetProps {
  /** The function invoked asynchronously (InvocationType Event). */
  readonly target: HedgerowFunction;
  /** The functions that invoke it: each may invoke this one function only, and learns its name. */
  readonly invokers: readonly HedgerowFunction[];
  /** The variable that carries the target's name to the invokers. */
  readonly environmentVariable: string;
  /** Retries of a failed run (Lambda allows 0–2). */
  readonly retryAttempts: number;
  /** How long Lambda keeps an event it could not run yet (throttled) or will retry (60 s – 6 h). */
  readonly maxEventAge: Duration;
}

/**
 * A Lambda run by asynchronous invokes, the way STYLE.md asks for anything that consumes work:
 * bounded retries and event age, and an encrypted, TLS-only SQS on-failure destination that keeps
 * every event Lambda gave up on (its payload, the error, the attempts) for 14 days.
 */
export class AsyncInvokeTarget extends Construct {
  readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AsyncInvokeTargetProps) {
    super(scope, id);
    this.failureQueue = failureQueue(this, 'asynchronous Lambda invokes');
    props.target.function.configureAsyncInvoke({
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      onFailure: new destinations.SqsDestination(this.failureQueue),
    });
    const targetId = Stack.of(this).getLogicalId(props.target.function.node.defaultChild as lambda.CfnFunction);
    for (const invoker of props.invokers) {
      props.target.function.grantInvoke(invoker);
      invoker.addEnvironment(props.environmentVariable, props.target.function.functionName);
      Validations.of(invoker.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${targetId}.Arn>:*]`,
        reason: 'grantInvoke covers the function and its versions and aliases (the ARN with a qualifier suffix): still this one function.',
      });
    }
  }
}
