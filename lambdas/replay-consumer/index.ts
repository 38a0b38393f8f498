/**
 * The bus's `recordings` (Kinesis, or MSK) → replay blocks in S3 + block rows in ClickHouse (→ session_replay_events).
 * Project settings (opt-in, retention) come from DynamoDB, where the api publishes them, so the
 * consumer needs no VPC and a stream of recordings never keeps Aurora awake.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createBlobDeadLetterStore } from '../../lib/dead-letters/dead-letter-store';
import { EmfMetrics } from '../../lib/observability/metrics';
import { openAnalyticsStore, openBlobStore, openKeyValueStore } from '../../lib/platform/ports';
import { createPublishedReplaySettings } from '../../lib/replay/published-replay-settings';
import { createReplayConsumer } from '../../lib/replay/replay-consumer';
import { analyticsSpec, blobSpec, keyValueSpec } from '../shared/aws-config';
import { createLambdaLogger } from '../shared/lambda-logger';
import { handleStreamEvent, type StreamEvent } from '../shared/stream-event';

const { logger, powertools } = createLambdaLogger('replay-consumer');

const consumer = (async () => {
  const [store, blobs, kv] = await Promise.all([analyticsSpec().then(openAnalyticsStore), openBlobStore(blobSpec()), openKeyValueStore(keyValueSpec())]);
  const settings = createPublishedReplaySettings(kv, { ttlMs: 30_000 });
  const deadLetters = createBlobDeadLetterStore(blobs);
  return createReplayConsumer({ blobs, store, settings: (teamId) => settings.get(teamId), deadLetters, logger, metrics: new EmfMetrics() });
})();

export const handler = middy(async (event: StreamEvent) => handleStreamEvent(event, await consumer)).use(
  injectLambdaContext(powertools),
);
