import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ConsumerSettings } from '../profiles';
import { failureQueue } from './failure-queue';
import type { HedgerowFunction } from './hedgerow-function';

export interface KinesisConsumerProps {
  readonly function: HedgerowFunction;
  readonly stream: kinesis.IStream;
  readonly settings: ConsumerSettings;
  /** @default lambda.StartingPosition.TRIM_HORIZON (nothing already on the stream is skipped) */
  readonly startingPosition?: lambda.StartingPosition;
}

/**
 * A Lambda fed by a Kinesis event-source mapping the way STYLE.md asks for every stream consumer:
 * partial batch failures, bisect on error, bounded retries, and an encrypted SQS on-failure
 * destination that records which shard and sequence range could not be processed (the records
 * themselves stay on the stream for its retention period, so they can be replayed).
 */
export class KinesisConsumer extends Construct {
  readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: KinesisConsumerProps) {
    super(scope, id);
    const { settings } = props;
    this.failureQueue = failureQueue(this, 'a Kinesis event-source mapping');
    props.function.function.addEventSource(
      new KinesisEventSource(props.stream, {
        startingPosition: props.startingPosition ?? lambda.StartingPosition.TRIM_HORIZON,
        batchSize: settings.batchSize,
        maxBatchingWindow: settings.maxBatchingWindow,
        parallelizationFactor: settings.parallelizationFactor,
        retryAttempts: settings.retryAttempts,
        maxRecordAge: settings.maxRecordAge,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.failureQueue),
      }),
    );
  }
}
