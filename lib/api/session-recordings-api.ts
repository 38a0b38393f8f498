import type { Team } from '../accounts/accounts-repository';
import { personsByDistinctIds, type PersonView } from '../clickhouse/person-queries';
import { BadRequestError, NotFoundError } from '../http/errors';
import type { Router } from '../http/router';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { BlobStore } from '../ports/blob-store';
import type { Database } from '../ports/database';
import { PARTS_PREFIX, RETENTION_PERIODS_DAYS, isBlockOf, sessionPrefix } from '../replay/block-key';
import { blockLines } from '../replay/block-writer';
import { deleteRecordingRows, getRecording, listBlocks, listRecordings, type RecordingSummary, type ReplayTopology } from '../replay/recording-queries';
import { isValidSessionId } from '../replay/session-id';
import { ApiAuthenticator } from './auth';
import { recordingFiltersOf } from './session-recordings-filters';

export interface SessionRecordingsApiDeps {
  readonly db: Database;
  readonly store: AnalyticsStore;
  readonly blobs: BlobStore;
  /** @default a new ApiAuthenticator over `db` */
  readonly auth?: ApiAuthenticator;
  /** Set on a self-managed ClickHouse cluster, so deletes reach the sharded tables. */
  readonly topology?: ReplayTopology;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** PostHog's limit on blocks per snapshot request made with a personal API key. */
const MAX_BLOCKS_PER_REQUEST = 20;
const DAY_MS = 24 * 3600 * 1000;

function personJson(person: PersonView | undefined): Record<string, unknown> | null {
  if (!person) return null;
  const email = person.properties.email;
  return { id: person.id, uuid: person.id, name: typeof email === 'string' ? email : person.distinctIds[0], distinct_ids: person.distinctIds, properties: person.properties, created_at: person.createdAt };
}

/** A recording as PostHog's SessionRecordingSerializer shows it. */
function recordingJson(r: RecordingSummary, person: PersonView | undefined, now: Date): Record<string, unknown> {
  const activeSeconds = Math.round(r.activeMilliseconds / 1000);
  const expiry = Date.parse(r.startTime) + r.retentionDays * DAY_MS;
  return {
    id: r.sessionId,
    distinct_id: r.distinctId,
    viewed: false,
    viewers: [],
    recording_duration: r.durationSeconds,
    active_seconds: activeSeconds,
    inactive_seconds: Math.max(0, r.durationSeconds - activeSeconds),
    start_time: r.startTime,
    end_time: r.endTime,
    click_count: r.clickCount,
    keypress_count: r.keypressCount,
    mouse_activity_count: r.mouseActivityCount,
    console_log_count: r.consoleLogCount,
    console_warn_count: r.consoleWarnCount,
    console_error_count: r.consoleErrorCount,
    start_url: r.startUrl,
    person: personJson(person),
    retention_period_days: r.retentionDays,
    expiry_time: new Date(expiry).toISOString(),
    recording_ttl: Math.max(0, Math.ceil((expiry - now.getTime()) / DAY_MS)),
    snapshot_source: r.snapshotSource,
    snapshot_library: r.snapshotLibrary,
    ongoing: false,
    activity_score: null,
    storage: 'object_storage',
  };
}

export function createSessionRecordingsApi(deps: SessionRecordingsApiDeps) {
  const auth = deps.auth ?? new ApiAuthenticator(deps.db);
  const now = deps.now ?? (() => new Date());

  const project = async (req: HttpRequest, scope: string): Promise<Team> => (await auth.authorizeProject(req, scope)).team;

  async function recordingOf(req: HttpRequest, team: Team): Promise<RecordingSummary> {
    const sessionId = req.params?.sessionId ?? '';
    if (!isValidSessionId(sessionId)) throw new NotFoundError('Recording not found.');
    const recording = await getRecording(deps.store, team.id, sessionId, now());
    if (!recording) throw new NotFoundError('Recording not found.');
    return recording;
  }

  return {
    /** GET …/session_recordings/ */
    async list(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req, 'session_recording:read');
      const at = now();
      const filters = await recordingFiltersOf(req, deps.store, team.id, at);
      if (!filters) return json(200, { results: [], has_next: false, version: 4 });
      const rows = await listRecordings(deps.store, team.id, { ...filters, limit: filters.limit + 1 });
      const page = rows.slice(0, filters.limit);
      const persons = await personsByDistinctIds(deps.store, team.id, [...new Set(page.map((r) => r.distinctId))]);
      return json(200, { results: page.map((r) => recordingJson(r, persons.get(r.distinctId), at)), has_next: rows.length > filters.limit, version: 4 });
    },

    /** GET …/session_recordings/:sessionId/ */
    async retrieve(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req, 'session_recording:read');
      const recording = await recordingOf(req, team);
      const persons = await personsByDistinctIds(deps.store, team.id, [recording.distinctId]);
      return json(200, recordingJson(recording, persons.get(recording.distinctId), now()));
    },

    /**
     * GET …/session_recordings/:sessionId/snapshots/ — without `source`, the blocks as PostHog's
     * `blob_v2` sources (`blob_key` = the block's index in time order); with `source=blob_v2` and
     * `blob_key`, or `start_blob_key`/`end_blob_key` (at most 20 blocks), the blocks' JSONL.
     */
    async snapshots(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req, 'session_recording:read');
      const recording = await recordingOf(req, team);
      const blocks = await listBlocks(deps.store, team.id, recording.sessionId);
      const source = req.query.get('source');
      if (source === null || source === '') {
        return json(200, { sources: blocks.map((b, i) => ({ source: 'blob_v2', start_timestamp: b.startTime, end_timestamp: b.endTime, blob_key: String(i) })) });
      }
      if (source !== 'blob_v2') throw new BadRequestError('invalid_input', 'Invalid source must be one of [blob_v2].', 'source');
      const single = req.query.get('blob_key');
      const start = blockIndex(single ?? req.query.get('start_blob_key'), single !== null ? 'blob_key' : 'start_blob_key');
      const end = single !== null ? start : blockIndex(req.query.get('end_blob_key'), 'end_blob_key');
      if (end < start) throw new BadRequestError('invalid_input', 'end_blob_key must not be below start_blob_key.', 'end_blob_key');
      if (end - start >= MAX_BLOCKS_PER_REQUEST) throw new BadRequestError('invalid_input', `Cannot request more than ${MAX_BLOCKS_PER_REQUEST} blob keys at once.`);
      if (end >= blocks.length) throw new NotFoundError('Block index out of range.');
      const parts: string[] = [];
      for (const block of blocks.slice(start, end + 1)) {
        if (!isBlockOf(block.key, team.id, recording.sessionId)) throw new NotFoundError('Recording not found.');
        const body = await deps.blobs.get(block.key);
        if (!body) throw new NotFoundError('Block not found.');
        parts.push(blockLines(body));
      }
      return { status: 200, headers: { 'content-type': 'application/jsonl' }, body: parts.join('') };
    },

    /** DELETE …/session_recordings/:sessionId/ — its blocks (every retention prefix), parts and rows. */
    async destroy(req: HttpRequest): Promise<HttpResponse> {
      const team = await project(req, 'session_recording:write');
      const recording = await recordingOf(req, team);
      for (const days of RETENTION_PERIODS_DAYS) {
        for (const key of await deps.blobs.list(sessionPrefix(days, team.id, recording.sessionId))) {
          if (isBlockOf(key, team.id, recording.sessionId)) await deps.blobs.delete(key);
        }
      }
      for (const key of await deps.blobs.list(`${PARTS_PREFIX}${team.id}/${recording.sessionId}/`)) await deps.blobs.delete(key);
      await deleteRecordingRows(deps.store, team.id, recording.sessionId, deps.topology);
      return { status: 204, headers: {} };
    },
  };
}

function blockIndex(value: string | null, name: string): number {
  if (value === null || value === '') throw new BadRequestError('invalid_input', 'Must provide both start blob key and end blob key (or blob_key).', name);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || !/^\d+$/.test(value)) throw new BadRequestError('invalid_input', 'Blob keys must be integers.', name);
  return n;
}

/**
 * The recording routes under /api/projects/:id and /api/environments/:id (the replay settings of
 * a project are a section of its PATCH: replay-project-settings.ts).
 */
export function registerSessionRecordingRoutes(router: Router, deps: SessionRecordingsApiDeps): ReturnType<typeof createSessionRecordingsApi> {
  const api = createSessionRecordingsApi(deps);
  for (const root of ['/api/projects', '/api/environments']) {
    const base = `${root}/:id/session_recordings`;
    router.add('GET', base, api.list);
    router.add('GET', `${base}/:sessionId`, api.retrieve);
    router.add('DELETE', `${base}/:sessionId`, api.destroy);
    router.add('GET', `${base}/:sessionId/snapshots`, api.snapshots);
  }
  return api;
}
