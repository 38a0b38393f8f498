import { BadRequestError } from '../http/errors';

/** A query the engine refuses or cannot print: PostHog answers 400 `validation_error`. */
export class HogQLError extends BadRequestError {
  constructor(message: string) {
    super('hogql_error', message);
    this.name = 'HogQLError';
  }
}

export function fail(message: string): never {
  throw new HogQLError(message);
}
