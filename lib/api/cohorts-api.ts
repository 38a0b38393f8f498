import { mediaTypeOf } from '../capture/form';
import { syncStaticCohortMembers, type MembershipChange } from '../clickhouse/static-cohort-members';
import {
  addStaticCohortMembers,
  findCohort,
  insertCohort,
  listCohortRecords,
  listCohorts,
  removeStaticCohortMembers,
  staticCohortMembers,
  updateCohort,
  type CohortRecord,
} from '../flags/cohort-repository';
import { cohortsUsedByFlags, idsFromCsv, validateCohort, type CohortMembersInput, type CohortValidationContext } from '../flags/cohort-validation';
import { leaves } from '../flags/flag-conditions-validation';
import { listActiveFlags } from '../flags/flag-repository';
import { publishStaticCohortMembers } from '../flags/static-cohort-projection';
import { BadRequestError, NotFoundError } from '../http/errors';
import { json, type HttpRequest, type HttpResponse } from '../http/types';
import type { AnalyticsStore } from '../ports/analytics-store';
import type { Sql } from '../ports/database';
import { parseCsv } from './csv';
import { asBadRequest, badRequestOf, idParam, lockTeamDefinitions, pageLinks, pageParams, userJson } from './definition-helpers';
import type { DefinitionsApiDeps } from './feature-flags-api';
import { parseMultipart } from './multipart';
import { parseJsonBody } from './request';

/** Ids per membership statement (keeps each Data API call small). */
const MEMBER_CHUNK = 500;

/** A cohort as PostHog's CohortSerializer shows it. */
export function cohortJson(c: CohortRecord): Record<string, unknown> {
  const behavioral = leaves(c.filters?.properties).some((l) => l.type === 'behavioral');
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    groups: [],
    deleted: c.deleted,
    filters: c.filters,
    query: null,
    version: c.version,
    pending_version: null,
    is_calculating: false,
    created_by: userJson(c.createdBy),
    created_at: c.createdAt,
    last_calculation: c.is_static ? c.updatedAt : null,
    errors_calculating: 0,
    last_error_message: null,
    count: c.count,
    is_static: c.is_static,
    cohort_type: c.is_static ? 'static' : behavioral ? 'behavioral' : 'person_property',
    experiment_set: [],
  };
}

/** The body of a cohort write: JSON, or PostHog's multipart form with a `csv` file of ids. */
function cohortBody(req: HttpRequest): { body: Record<string, unknown>; csv?: { kind: 'distinct_id' | 'person_id'; ids: string[] } } {
  const type = req.headers['content-type'] ?? '';
  if (mediaTypeOf(type) !== 'multipart/form-data') return { body: parseJsonBody(req) };
  const form = parseMultipart(req.body, type);
  const file = form.files.csv;
  if (!file) return { body: form.fields };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.content);
  } catch {
    throw new BadRequestError('invalid_input', 'The CSV file must be UTF-8 text.', 'csv');
  }
  return { body: form.fields, csv: idsOfCsv(text) };
}

function idsOfCsv(text: string): { kind: 'distinct_id' | 'person_id'; ids: string[] } {
  try {
    return idsFromCsv(parseCsv(text));
  } catch (error) {
    throw badRequestOf(error);
  }
}

export interface CohortsApiDeps extends DefinitionsApiDeps {
  /** ClickHouse: static cohort members are mirrored there (person_static_cohort) for insights. */
  readonly store: AnalyticsStore;
}

/**
 * /api/projects/:id/cohorts/ — list, create, retrieve, update, soft delete; static cohorts take
 * members as `distinct_ids`, `person_ids` / `_create_static_person_ids` (person uuids) or an
 * uploaded CSV; `…/persons/` lists a static cohort's members.
 */
export function createCohortsApi(deps: CohortsApiDeps) {
  const { db, auth } = deps;

  async function validationContext(tx: Sql, teamId: number): Promise<Omit<CohortValidationContext, 'current'>> {
    const cohorts = new Map((await listCohorts(tx, teamId)).map((c) => [c.id, c]));
    return { cohorts, usedByFlags: cohortsUsedByFlags(await listActiveFlags(tx, teamId), cohorts) };
  }

  async function addMembers(tx: Sql, teamId: number, cohortId: number, members: CohortMembersInput): Promise<void> {
    for (let i = 0; i < members.distinctIds.length; i += MEMBER_CHUNK) {
      await addStaticCohortMembers(tx, teamId, cohortId, { distinctIds: members.distinctIds.slice(i, i + MEMBER_CHUNK) });
    }
    for (let i = 0; i < members.personUuids.length; i += MEMBER_CHUNK) {
      await addStaticCohortMembers(tx, teamId, cohortId, { personUuids: members.personUuids.slice(i, i + MEMBER_CHUNK) });
    }
  }

  function withCsv(members: CohortMembersInput | undefined, csv: ReturnType<typeof cohortBody>['csv'], isStatic: boolean): CohortMembersInput | undefined {
    if (!csv) return members;
    if (!isStatic) throw new BadRequestError('invalid_input', 'Only static cohorts take a CSV of members.', 'csv');
    const base = members ?? { distinctIds: [], personUuids: [] };
    return csv.kind === 'person_id' ? { ...base, personUuids: [...base.personUuids, ...csv.ids] } : { ...base, distinctIds: [...base.distinctIds, ...csv.ids] };
  }

  async function save(req: HttpRequest, id: number | undefined, bodyOverride?: Record<string, unknown>): Promise<CohortRecord> {
    const { caller, team } = await auth.authorizeProject(req, 'cohort:write');
    const { body, csv } = bodyOverride ? { body: bodyOverride, csv: undefined } : cohortBody(req);
    let addedMembers: CohortMembersInput | undefined;
    const saved = await asBadRequest(
      () =>
        db.transaction(async (tx) => {
          await lockTeamDefinitions(tx, team.id);
          const current = id === undefined ? undefined : await findCohort(tx, team.id, id, { forUpdate: true });
          if (id !== undefined && !current) throw new NotFoundError();
          const { fields, members } = validateCohort(body, { ...(await validationContext(tx, team.id)), current });
          const cohort = current ? await updateCohort(tx, team.id, current.id, fields) : await insertCohort(tx, team.id, fields, caller.user.id);
          const all = withCsv(members, csv, fields.is_static);
          if (all) await addMembers(tx, team.id, cohort!.id, all);
          addedMembers = all;
          // A cohort that stops being static loses its members (updateCohort): ClickHouse's too.
          const change: MembershipChange | undefined = current?.is_static && !fields.is_static ? 'all' : all;
          // Inside the transaction: a ClickHouse failure rolls the change back (see the module).
          if (change) await syncStaticCohortMembers(tx, deps.store, team.id, cohort!.id, change);
          return (await findCohort(tx, team.id, cohort!.id))!;
        }),
      'name',
      'A cohort with this name already exists.',
    );
    if (addedMembers && deps.kv) await publishStaticCohortMembers(db, deps.kv, team.id, addedMembers);
    await deps.onDefinitionsChanged?.(team.id);
    return saved;
  }

  return {
    async list(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'cohort:read');
      const page = pageParams(req);
      const { count, cohorts } = await listCohortRecords(db, team.id, { ...page, search: req.query.get('search') || undefined });
      return json(200, { count, ...pageLinks(req, page, count), results: cohorts.map(cohortJson) });
    },

    async create(req: HttpRequest): Promise<HttpResponse> {
      return json(201, cohortJson(await save(req, undefined)));
    },

    async retrieve(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'cohort:read');
      const cohort = await findCohort(db, team.id, idParam(req, 'cohortId'));
      if (!cohort) throw new NotFoundError();
      return json(200, cohortJson(cohort));
    },

    /** PATCH / PUT (JSON or multipart with `csv`, which adds members to a static cohort). */
    async update(req: HttpRequest): Promise<HttpResponse> {
      return json(200, cohortJson(await save(req, idParam(req, 'cohortId'))));
    },

    /** DELETE: a soft delete, as PATCH {"deleted": true}. */
    async destroy(req: HttpRequest): Promise<HttpResponse> {
      await save(req, idParam(req, 'cohortId'), { deleted: true });
      return { status: 204 };
    },

    /** PATCH …/cohorts/:cohortId/add_persons_to_static_cohort/ {"person_ids": [uuid, …]} (PostHog's action). */
    async addPersons(req: HttpRequest): Promise<HttpResponse> {
      const body = parseJsonBody(req);
      if (!Array.isArray(body.person_ids) || body.person_ids.length === 0) throw new BadRequestError('invalid_input', 'person_ids must be a non-empty list of person UUIDs.', 'person_ids');
      return json(200, cohortJson(await save(req, idParam(req, 'cohortId'), { person_ids: body.person_ids })));
    },

    /** PATCH …/cohorts/:cohortId/remove_person_from_static_cohort/ {"person_id": uuid} (PostHog's action). */
    async removePerson(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'cohort:write');
      const id = idParam(req, 'cohortId');
      const body = parseJsonBody(req);
      if (typeof body.person_id !== 'string' || !/^[0-9a-f-]{36}$/i.test(body.person_id)) throw new BadRequestError('invalid_input', 'person_id must be a person UUID.', 'person_id');
      const personId = body.person_id.toLowerCase();
      const cohort = await db.transaction(async (tx) => {
        const current = await findCohort(tx, team.id, id, { forUpdate: true });
        if (!current) throw new NotFoundError();
        if (!current.is_static) throw new BadRequestError('invalid_input', 'Only static cohorts have a list of members.', 'person_id');
        await removeStaticCohortMembers(tx, team.id, id, [personId]);
        await syncStaticCohortMembers(tx, deps.store, team.id, id, { personUuids: [personId] });
        return (await findCohort(tx, team.id, id))!;
      });
      if (deps.kv) await publishStaticCohortMembers(db, deps.kv, team.id, { personUuids: [personId] });
      await deps.onDefinitionsChanged?.(team.id);
      return json(200, cohortJson(cohort));
    },

    /** GET …/cohorts/:cohortId/persons/ — a static cohort's members (dynamic cohorts are not precomputed: empty). */
    async persons(req: HttpRequest): Promise<HttpResponse> {
      const { team } = await auth.authorizeProject(req, 'cohort:read');
      const cohort = await findCohort(db, team.id, idParam(req, 'cohortId'));
      if (!cohort) throw new NotFoundError();
      const page = pageParams(req);
      const members = cohort.is_static ? await staticCohortMembers(db, team.id, cohort.id, { limit: page.limit + 1, offset: page.offset }) : [];
      const links = pageLinks(req, page, page.offset + members.length);
      return json(200, {
        ...links,
        results: members.slice(0, page.limit).map((p) => ({
          id: p.uuid,
          uuid: p.uuid,
          name: typeof p.properties.email === 'string' ? p.properties.email : p.distinctIds[0],
          distinct_ids: p.distinctIds,
          properties: p.properties,
          is_identified: p.isIdentified,
          created_at: p.createdAt,
        })),
      });
    },
  };
}
