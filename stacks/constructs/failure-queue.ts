import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * An encrypted SQS queue that is itself a dead-letter store (an on-failure destination), kept
 * 14 days. `of` says whose failures it holds, for cdk-nag's "a DLQ has no DLQ" acknowledgement.
 */
export function failureQueue(scope: Construct, of: string): sqs.Queue {
  const queue = new sqs.Queue(scope, 'Failures', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: `This queue is itself the on-failure destination (dead-letter store) of ${of}.` });
  return queue;
}
