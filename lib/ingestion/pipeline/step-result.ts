/**
 * What a pipeline step answers for one input (after PostHog's Node ingestion pipeline):
 * carry on with a value, drop the input for a counted reason, or send it to the dead-letter
 * store. Warnings are data, emitted by the runner.
 */
export type StepResult<T> =
  | { readonly type: 'ok'; readonly value: T }
  | { readonly type: 'drop'; readonly reason: string }
  | { readonly type: 'dlq'; readonly reason: string; readonly error?: unknown };

export const ok = <T>(value: T): StepResult<T> => ({ type: 'ok', value });
export const drop = (reason: string): StepResult<never> => ({ type: 'drop', reason });
export const dlq = (reason: string, error?: unknown): StepResult<never> => ({ type: 'dlq', reason, error });

export type Step<I, O> = (input: I) => StepResult<O> | Promise<StepResult<O>>;
