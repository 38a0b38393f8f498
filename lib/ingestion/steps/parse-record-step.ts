import { decodeRecord, type StreamRecord } from '../../ports/bus';
import type { CapturedRecord } from '../records';
import { dlq, ok, type StepResult } from '../pipeline/step-result';

/** Decodes an `events` record and checks its shape. No I/O. A record that fails is a poison record. */
export function createParseRecordStep() {
  return function parseRecord(record: StreamRecord): StepResult<CapturedRecord> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(decodeRecord(record).toString('utf8'));
    } catch (error) {
      return dlq('unparseable_record', error);
    }
    const r = parsed as Partial<CapturedRecord>;
    if (
      !r ||
      typeof r !== 'object' ||
      r.v !== 1 ||
      typeof r.team_id !== 'number' ||
      typeof r.token !== 'string' ||
      typeof r.now !== 'string' ||
      !Array.isArray(r.events) ||
      !r.events.every((e) => e && typeof e.uuid === 'string' && typeof e.event === 'string' && typeof e.distinct_id === 'string' && typeof e.timestamp === 'string' && e.properties && typeof e.properties === 'object')
    ) {
      return dlq('invalid_record_shape');
    }
    return ok(r as CapturedRecord);
  };
}
