import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { QueryDispatcher, QueryJob } from '../../ports/query-dispatcher';
import { MAX_JOB_BYTES } from '../../query/query-job';

export interface LambdaQueryDispatcherOptions {
  /** The query worker's name or ARN (HEDGEROW_QUERY_WORKER_FUNCTION). */
  readonly functionName: string;
  /** An injected client stays the caller's to destroy; without one the dispatcher creates and owns its own. */
  readonly client?: LambdaClient;
}

/**
 * Jobs as asynchronous invokes of the query worker (`InvocationType: 'Event'`): Lambda queues the
 * event durably and answers 202 at once; it retries a failed run and hands one that keeps failing
 * to the worker's on-failure destination (stacks/constructs/async-invoke-target.ts).
 */
export class LambdaQueryDispatcher implements QueryDispatcher {
  private readonly client: LambdaClient;
  private readonly ownsClient: boolean;

  constructor(private readonly options: LambdaQueryDispatcherOptions) {
    this.client = options.client ?? new LambdaClient({});
    this.ownsClient = !options.client;
  }

  async dispatch(job: QueryJob): Promise<void> {
    const payload = Buffer.from(JSON.stringify(job), 'utf8');
    if (payload.length > MAX_JOB_BYTES) {
      throw new RangeError(`The query job is ${payload.length} bytes; an asynchronous invoke carries at most ${MAX_JOB_BYTES}.`);
    }
    const output = await this.client.send(new InvokeCommand({ FunctionName: this.options.functionName, InvocationType: 'Event', Payload: payload }));
    if (output.StatusCode !== 202) throw new Error(`Lambda did not queue the query job (status ${output.StatusCode}).`);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}
