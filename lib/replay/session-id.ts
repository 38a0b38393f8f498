/** Rust capture's rule for `$session_id` (contract §4.3): a string of ≤ 70 characters from `[A-Za-z0-9-]`. */
const SESSION_ID = /^[A-Za-z0-9-]{1,70}$/;

export function isValidSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value);
}
