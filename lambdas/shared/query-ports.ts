import { BlobSpillingCache } from '../../lib/adapters/blob-spilling-cache';
import { KeyValueCache } from '../../lib/adapters/key-value-cache';
import { openCache } from '../../lib/platform/ports';
import type { BlobStore } from '../../lib/ports/blob-store';
import type { Cache } from '../../lib/ports/cache';
import type { KeyValueStore } from '../../lib/ports/key-value-store';
import type { QueryDispatcher } from '../../lib/ports/query-dispatcher';
import { QUERY_RESULTS_PREFIX } from '../../lib/query/query-state';

/**
 * The cache of query statuses and results that the api and the query worker share: ElastiCache
 * when the function can reach it, else DynamoDB (outside the VPC); values too large for an item
 * go to S3 behind a pointer.
 */
export async function openQueryCache(kv: KeyValueStore, blobs: BlobStore, env: NodeJS.ProcessEnv = process.env): Promise<Cache> {
  const redisUrl = env.HEDGEROW_REDIS_URL;
  const cache = redisUrl ? await openCache({ kind: 'redis', url: redisUrl }) : new KeyValueCache(kv);
  return new BlobSpillingCache(cache, blobs, { prefix: QUERY_RESULTS_PREFIX });
}

/**
 * Background queries as asynchronous invokes of the query worker, when the stack names one
 * (HEDGEROW_QUERY_WORKER_FUNCTION). The Lambda client loads on the first dispatch, not at every
 * cold start of the api.
 */
export function queryDispatcher(env: NodeJS.ProcessEnv = process.env): QueryDispatcher | undefined {
  const functionName = env.HEDGEROW_QUERY_WORKER_FUNCTION;
  if (!functionName) return undefined;
  let loading: Promise<QueryDispatcher> | undefined;
  const load = async () => new (await import('../../lib/adapters/aws/lambda-query-dispatcher')).LambdaQueryDispatcher({ functionName });
  return {
    dispatch: async (job) => {
      loading ??= load().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      await (await loading).dispatch(job);
    },
  };
}
