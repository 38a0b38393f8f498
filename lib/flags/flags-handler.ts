import { randomUUID } from 'node:crypto';
import type { TokenLookup } from '../accounts/token-lookup';
import { corsHeaders } from '../capture/responses';
import { requestErrorOf } from '../http/errors';
import type { HttpHandler, HttpRequest, HttpResponse } from '../http/types';
import type { Logger } from '../observability/logger';
import { evaluateFlags } from './evaluation/evaluate-flags';
import { referencedProperties } from './evaluation/referenced-properties';
import type { FlagDataSource } from './flag-data-source';
import type { FlagDefinitionsStore } from './flag-definitions';
import { FlagsTokenError, parseFlagsRequest, type FlagsRequest } from './flags-request';
import { decideV1Body, decideV2Body, legacyBody, v2Body, type FlagsAnswer } from './flags-response';
import { configFields, type RemoteConfigSettings } from './remote-config';
import type { EvaluationContext } from './types';

export interface FlagsHandlerDeps {
  readonly tokens: TokenLookup;
  readonly definitions: FlagDefinitionsStore;
  readonly data: FlagDataSource;
  readonly settings: RemoteConfigSettings;
  readonly logger: Logger;
  readonly now?: () => Date;
}

const ALLOW = 'GET, POST, OPTIONS, HEAD';

function jsonResponse(status: number, body: unknown, cors: Record<string, string>): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...cors }, body: JSON.stringify(body) };
}

/**
 * `/flags` and the legacy `/decide` (contract §3.1–3.4): decode the request, find the team,
 * read the person and groups only when the request's overrides do not cover what the flags
 * reference, evaluate every flag with the one evaluation core, and answer in the shape the
 * client's version expects. A flag whose evaluation fails is marked `failed`; the rest are served.
 */
export function createFlagsHandler(deps: FlagsHandlerDeps): HttpHandler {
  const now = deps.now ?? (() => new Date());

  async function answer(request: FlagsRequest, teamId: number): Promise<{ answer: FlagsAnswer; hasFlags: boolean }> {
    const defs = await deps.definitions.get(teamId);
    const requestId = randomUUID();
    const evaluatedAt = Date.now();
    const hasFlags = defs.flags.some((f) => f.active);
    if (request.disableFlags) return { answer: { flags: {}, errors: false, requestId, evaluatedAt }, hasFlags };

    const typeIndex = new Map([...defs.groupTypes].map(([index, name]) => [name, index]));
    const groups = Object.entries(request.groups)
      .filter(([type]) => typeIndex.has(type))
      .map(([type, key]) => ({ type, index: typeIndex.get(type)!, key }));
    const needs = referencedProperties(defs.flags, defs.cohorts, request.flagKeys);
    const personCovered = [...needs.person].every((k) => Object.hasOwn(request.personProperties, k)) && !needs.staticCohorts && !needs.continuity;
    const groupsToRead = groups.filter((g) => {
      const keys = needs.groups.get(g.index);
      return keys && [...keys].some((k) => !Object.hasOwn(request.groupProperties[g.type] ?? {}, k));
    });
    let errors = false;
    let subject;
    try {
      subject = await deps.data.load({ teamId, distinctId: request.distinctId, groups: groupsToRead, person: !personCovered });
      if (request.anonDistinctId && needs.continuity && subject.personProperties !== undefined) {
        const keys = defs.flags.filter((f) => f.ensure_experience_continuity).map((f) => f.key);
        const missing = keys.filter((k) => !Object.hasOwn(subject!.hashKeyOverrides, k));
        if (missing.length) subject = { ...subject, hashKeyOverrides: await deps.data.addHashKeyOverrides(teamId, request.distinctId, request.anonDistinctId, missing) };
      }
    } catch (error) {
      // The database is unreachable: evaluate from what the request carries, and say so.
      deps.logger.warn('flags: person lookup failed; evaluating from request properties', { teamId, error });
      errors = true;
      subject = undefined;
    }
    const groupProperties: Record<string, Record<string, unknown>> = {};
    for (const { type, index, key } of groups) {
      groupProperties[type] = { ...subject?.groupProperties.get(`${index}:${key}`), ...request.groupProperties[type], $group_key: key };
    }
    const ctx: EvaluationContext = {
      distinctId: request.distinctId,
      deviceId: request.deviceId,
      groups: request.groups,
      personProperties: { distinct_id: request.distinctId, ...subject?.personProperties, ...request.personProperties },
      personExists: subject?.personProperties !== undefined,
      groupProperties,
      groupTypes: defs.groupTypes,
      cohorts: defs.cohorts,
      staticCohortIds: new Set(subject?.staticCohortIds ?? []),
      hashKeyOverrides: subject?.hashKeyOverrides ?? {},
      now: now(),
    };
    const flags = evaluateFlags(defs.flags, ctx, { keys: request.flagKeys, runtime: request.runtime, evaluationContexts: request.evaluationContexts });
    errors ||= Object.values(flags).some((f) => f.failed);
    return { answer: { flags, errors, requestId, evaluatedAt }, hasFlags };
  }

  return async function handleFlags(req: HttpRequest): Promise<HttpResponse> {
    const cors = { ...corsHeaders(req), 'access-control-allow-methods': ALLOW };
    if (req.method === 'OPTIONS') return { status: 204, headers: { allow: ALLOW, ...cors } };
    if (req.method === 'HEAD') return { status: 200, headers: cors };
    if (req.method !== 'GET' && req.method !== 'POST') return jsonResponse(405, { type: 'invalid_request', code: 'method_not_allowed', detail: `Method ${req.method} not allowed.`, attr: null }, { allow: ALLOW, ...cors });
    const decide = req.path.startsWith('/decide');
    // /flags without `v`: v2 with config, unless `config` is given (then the legacy shape).
    const version = Number(req.query.get('v') ?? (decide ? 1 : req.query.get('config') === null ? 2 : 1));
    try {
      if (req.method === 'GET' && !decide) {
        const minimal: FlagsAnswer = { flags: {}, errors: false, requestId: randomUUID(), evaluatedAt: Date.now() };
        const extra = { supportedCompression: ['gzip', 'gzip-js'] };
        return jsonResponse(200, version === 1 ? legacyBody(minimal, extra) : v2Body(minimal, extra), cors);
      }
      const request = parseFlagsRequest(req);
      if (!request.token) throw new FlagsTokenError('API key is missing from the request.');
      if (request.token.startsWith('phx_') || request.token.length > 100) throw new FlagsTokenError('Invalid project token.');
      const team = await deps.tokens.lookup(request.token);
      if (!team) throw new FlagsTokenError('Invalid project token: no project has this token.');
      const { answer: result, hasFlags } = await answer(request, team.teamId);
      const wantsConfig = decide || req.query.get('config') === 'true' || (req.query.get('v') === null && req.query.get('config') === null);
      const config = wantsConfig ? configFields(hasFlags, await deps.settings.sessionRecording(team.teamId)) : undefined;
      if (decide) {
        const body = version >= 4 ? v2Body(result, config) : version === 3 ? legacyBody(result, config) : version === 2 ? decideV2Body(result, config) : decideV1Body(result, config);
        return jsonResponse(200, body, cors);
      }
      return jsonResponse(200, version === 1 ? legacyBody(result, config) : v2Body(result, config), cors);
    } catch (error) {
      const known = requestErrorOf(error);
      if (known) {
        return jsonResponse(known.status, { type: known.status === 401 ? 'authentication_error' : 'validation_error', code: known.code, detail: known.message, attr: null }, cors);
      }
      deps.logger.error('flags: request failed', { path: req.path, error });
      return jsonResponse(500, { type: 'server_error', code: 'error', detail: 'A server error occurred.', attr: null }, cors);
    }
  };
}
