import { HttpError } from '../http/errors';

/**
 * The replay endpoint's own refusals (contract §4.3), on top of capture's (lib/capture/errors.ts).
 * Rendered like capture's: `{"status":400,"code":"…","error":"…"}`.
 */
export const REPLAY_ERROR_CODES = {
  missingSessionId: 'missing_session_id',
  invalidSessionId: 'invalid_session_id',
  missingSnapshotData: 'missing_snapshot_data',
} as const;
export type ReplayErrorCode = (typeof REPLAY_ERROR_CODES)[keyof typeof REPLAY_ERROR_CODES];

export class ReplayRequestError extends HttpError {
  constructor(override readonly code: ReplayErrorCode, message: string) {
    super(400, code, message);
    this.name = 'ReplayRequestError';
  }
}

export class MissingSessionIdError extends ReplayRequestError {
  constructor(readonly eventIndex: number) {
    super(REPLAY_ERROR_CODES.missingSessionId, `event ${eventIndex} submitted without a $session_id`);
    this.name = 'MissingSessionIdError';
  }
}

export class InvalidSessionIdError extends ReplayRequestError {
  constructor(readonly eventIndex: number) {
    super(REPLAY_ERROR_CODES.invalidSessionId, `event ${eventIndex}: $session_id must be at most 70 characters of [A-Za-z0-9-]`);
    this.name = 'InvalidSessionIdError';
  }
}

export class MissingSnapshotDataError extends ReplayRequestError {
  constructor(readonly eventIndex: number) {
    super(REPLAY_ERROR_CODES.missingSnapshotData, `event ${eventIndex}: $snapshot_data must be an array or an object`);
    this.name = 'MissingSnapshotDataError';
  }
}
