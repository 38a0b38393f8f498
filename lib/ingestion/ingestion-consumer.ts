import type { TeamDirectory } from '../accounts/team-directory';
import { toClickHouseTime } from '../clickhouse/time';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { GroupTypeCache } from '../persons/process-groups';
import type { PersonChanges } from '../persons/process-persons';
import type { BatchHandler, BusRecord, EventBus, StreamRecord } from '../ports/bus';
import type { Database } from '../ports/database';
import type { StepResult } from './pipeline/step-result';
import { distinctIdLine, eventLine, groupLine, packLines, personLine, warningLine } from './processed-records';
import { partitionKeyOf, type CapturedRecord } from './records';
import { buildWarningRows, serializeEventRow } from './steps/build-event-row-step';
import { normalizeEvent, type NormalizedEvent } from './steps/normalize-event-step';
import { createParseRecordStep } from './steps/parse-record-step';
import { createProcessPersonsStep, type TeamBatchOutcome } from './steps/process-persons-step';
import { createResolveTeamStep } from './steps/resolve-team-step';

export interface IngestionConsumerDeps {
  readonly db: Database;
  readonly bus: EventBus;
  readonly teams: TeamDirectory;
  readonly deadLetters: DeadLetterStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Writes each team's person, distinct-id and group changes and merges elsewhere (the flags
   * projection on AWS). Person changes are written before they are committed (processPersons:
   * a failed write rolls them back), group changes after (a retry recomputes those).
   */
  readonly projectPersons?: (teamId: number, rows: PersonsChanged) => Promise<void>;
  /** Told of each team's changes once they are committed (the local /flags cache). */
  readonly onPersonsChanged?: (teamId: number, rows: PersonsChanged) => Promise<void>;
}

type PersonsChanged = Pick<TeamBatchOutcome, 'persons' | 'distinctIds' | 'groups' | 'merges'>;

interface Item {
  readonly record: StreamRecord;
  readonly captured: CapturedRecord;
  readonly events: NormalizedEvent[];
}

const SOURCE = 'ingestion-consumer';

/**
 * The ingestion consumer of the `events` stream:
 *
 *   parse record → resolve team → normalise events → persons & groups (per team, in order)
 *     → event rows with person-on-events columns → `events_processed`
 *
 * Poison records go to the dead-letter store; records whose team could not be processed are
 * reported as failed (the platform retries them); a failed write of the output fails the batch.
 * Person and distinct-id rows go to `events_processed` before their transaction commits: a retry
 * of the same events changes nothing, so rows put after the commit could be lost.
 */
export function createIngestionConsumer(deps: IngestionConsumerDeps): BatchHandler {
  const parseRecord = createParseRecordStep();
  const resolveTeam = createResolveTeamStep(deps.teams);
  const processTeam = createProcessPersonsStep({ db: deps.db, groupTypes: new GroupTypeCache() });

  async function settle(result: StepResult<unknown>, record: StreamRecord, events: number): Promise<void> {
    if (result.type === 'drop') {
      deps.metrics.increment('ingestion_events_dropped', { drop_cause: result.reason }, events);
    } else if (result.type === 'dlq') {
      const { partitionKey, sequenceNumber, data } = record.kinesis;
      await deadLetter(result.reason, { error: result.error, partitionKey, sequenceNumber, data });
    }
  }

  async function deadLetter(reason: string, letter: { error?: unknown; partitionKey?: string; sequenceNumber?: string; data: string }): Promise<void> {
    const { error, ...rest } = letter;
    deps.metrics.increment('ingestion_dead_letters', { reason });
    deps.logger.warn('record sent to the dead-letter store', { reason, sequenceNumber: rest.sequenceNumber });
    await deps.deadLetters.write({
      source: SOURCE,
      reason,
      error: error instanceof Error ? error.message : error === undefined ? undefined : String(error),
      ...rest,
      time: new Date().toISOString(),
    });
  }

  /** Output rows too large for one bus record: kept in the dead-letter store (to be replayed by hand), not dropped. */
  async function deadLetterRows(reason: string, partitionKey: string, lines: readonly string[], sequenceNumber?: string): Promise<void> {
    for (const line of lines) await deadLetter(reason, { partitionKey, sequenceNumber, data: Buffer.from(line).toString('base64') });
  }

  /** Inside the persons transaction (see processPersons). */
  async function emitPersonChanges(teamId: number, changes: PersonChanges): Promise<void> {
    const key = `${teamId}:persons`;
    const people = packLines(key, [...changes.persons.map(personLine), ...changes.distinctIds.map(distinctIdLine)]);
    // A person row over the record limit (~1 MB of properties) misses ClickHouse until a later version fits.
    await deadLetterRows('person_row_too_large', key, people.oversized);
    if (people.records.length > 0) await deps.bus.put('events_processed', people.records);
    if (deps.projectPersons) await deps.projectPersons(teamId, { ...changes, groups: [] });
  }

  return async function handleBatch(batch) {
    const failed = new Set<string>();
    const items: Item[] = [];
    for (const record of batch.Records) {
      const parsed = parseRecord(record);
      if (parsed.type !== 'ok') {
        await settle(parsed, record, 1);
        continue;
      }
      try {
        const resolved = await resolveTeam(parsed.value);
        if (resolved.type !== 'ok') {
          await settle(resolved, record, parsed.value.events.length);
          continue;
        }
      } catch (error) {
        deps.logger.error('team lookup failed', { error });
        failed.add(record.kinesis.sequenceNumber);
        continue;
      }
      items.push({ record, captured: parsed.value, events: parsed.value.events.map((e) => normalizeEvent(parsed.value, e)) });
    }

    const byTeam = new Map<number, Item[]>();
    for (const item of items) {
      const list = byTeam.get(item.captured.team_id) ?? [];
      list.push(item);
      byTeam.set(item.captured.team_id, list);
    }

    const output: BusRecord[] = [];
    for (const [teamId, teamItems] of byTeam) {
      let outcome;
      try {
        outcome = await processTeam(teamId, teamItems.flatMap((i) => i.events), (changes) => emitPersonChanges(teamId, changes));
        if (deps.projectPersons && outcome.groups.length) await deps.projectPersons(teamId, { persons: [], distinctIds: [], merges: [], groups: outcome.groups });
        if (deps.onPersonsChanged && (outcome.persons.length || outcome.distinctIds.length || outcome.groups.length)) {
          await deps.onPersonsChanged(teamId, outcome);
        }
      } catch (error) {
        deps.logger.error('person processing failed; records will be retried', { teamId, error });
        for (const item of teamItems) failed.add(item.record.kinesis.sequenceNumber);
        continue;
      }
      let index = 0;
      for (const item of teamItems) {
        const lines: string[] = [];
        for (const event of item.events) {
          const result = outcome.events[index++];
          const row = serializeEventRow(event, result.person, result.groups);
          lines.push(eventLine(teamId, event.uuid, toClickHouseTime(event.timestamp), row));
          for (const w of buildWarningRows(event, result.warnings)) lines.push(warningLine(w));
        }
        const packed = packLines(partitionKeyOf(item.captured.token, item.captured.distinct_id), lines);
        output.push(...packed.records);
        await deadLetterRows('row_too_large', item.record.kinesis.partitionKey, packed.oversized, item.record.kinesis.sequenceNumber);
      }
      const groups = packLines(`${teamId}:groups`, outcome.groups.map(groupLine));
      output.push(...groups.records);
      await deadLetterRows('group_row_too_large', `${teamId}:groups`, groups.oversized);
      deps.metrics.increment('ingestion_events_processed', {}, outcome.events.length);
    }

    if (output.length > 0) await deps.bus.put('events_processed', output);
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
