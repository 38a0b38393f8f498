import type { TokenLookup } from '../accounts/token-lookup';
import { corsHeaders } from '../capture/responses';
import type { HttpRequest, HttpResponse } from '../http/types';
import type { FlagDefinitionsStore } from './flag-definitions';

/** The session-recording part of the remote config, or false when recording is off. */
export type SessionRecordingConfig = false | Record<string, unknown>;

/** Project settings that shape the remote config (session replay comes with its own issue). */
export interface RemoteConfigSettings {
  sessionRecording(teamId: number): Promise<SessionRecordingConfig>;
}

export const RECORDING_OFF: RemoteConfigSettings = { sessionRecording: async () => false };

/** The `RemoteConfig` JSON posthog-js reads (contract §4.1). */
export function remoteConfigBody(token: string, hasFeatureFlags: boolean, sessionRecording: SessionRecordingConfig): Record<string, unknown> {
  return {
    token,
    supportedCompression: ['gzip', 'gzip-js'],
    hasFeatureFlags,
    captureDeadClicks: false,
    capturePerformance: false,
    autocapture_opt_out: false,
    autocaptureExceptions: false,
    analytics: { endpoint: '/i/v0/e/' },
    elementsChainAsString: true,
    errorTracking: { autocaptureExceptions: false, suppressionRules: [] },
    sessionRecording,
    heatmaps: false,
    surveys: false,
    defaultIdentifiedOnly: true,
    siteApps: [],
  };
}

/** The same fields, flattened into `/flags?config=true` and `/decide` answers (older SDKs and mobile read them there). */
export function configFields(hasFeatureFlags: boolean, sessionRecording: SessionRecordingConfig): Record<string, unknown> {
  const { token: _token, ...fields } = remoteConfigBody('', hasFeatureFlags, sessionRecording);
  return { ...fields, config: { enable_collect_everything: true }, toolbarParams: {}, isAuthenticated: false };
}

/** `GET /array/:token/config` (JSON) and `/array/:token/config.js` (a script setting window._POSTHOG_REMOTE_CONFIG). */
export function createRemoteConfigHandler(deps: { tokens: TokenLookup; definitions: FlagDefinitionsStore; settings: RemoteConfigSettings }) {
  return async function remoteConfig(req: HttpRequest): Promise<HttpResponse> {
    const cors = corsHeaders(req);
    if (req.method === 'OPTIONS') return { status: 200, headers: cors, body: '' };
    const token = req.params?.token ?? '';
    const asScript = req.params?.file === 'config.js';
    const team = token.startsWith('phc_') ? await deps.tokens.lookup(token) : undefined;
    if (!team) {
      return { status: 404, headers: { 'content-type': 'application/json', ...cors }, body: JSON.stringify({ type: 'invalid_request', code: 'not_found', detail: 'Unknown project token.', attr: null }) };
    }
    const defs = await deps.definitions.get(team.teamId);
    const body = remoteConfigBody(token, defs.flags.some((f) => f.active), await deps.settings.sessionRecording(team.teamId));
    const cache = { 'cache-control': 'public, max-age=60' };
    if (!asScript) return { status: 200, headers: { 'content-type': 'application/json', ...cache, ...cors }, body: JSON.stringify(body) };
    const script =
      '(function() {\n' +
      '  window._POSTHOG_REMOTE_CONFIG = window._POSTHOG_REMOTE_CONFIG || {};\n' +
      `  window._POSTHOG_REMOTE_CONFIG[${JSON.stringify(token)}] = { config: ${JSON.stringify(body)}, siteApps: [] };\n` +
      '})();\n';
    return { status: 200, headers: { 'content-type': 'application/javascript', ...cache, ...cors }, body: script };
  };
}
