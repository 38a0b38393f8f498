import type { TokenLookup } from '../accounts/token-lookup';
import type { Router } from '../http/router';
import { json, type HttpHandler } from '../http/types';

/** Answers one of the SDKs' product-feature requests (`?token=`) with an empty list. */
function emptyProductFeature(tokens: TokenLookup, key: string): HttpHandler {
  return async (req) => {
    const token = req.query.get('token') ?? '';
    if (!(await tokens.lookup(token))) return json(401, { type: 'authentication_error', code: 'invalid_token', detail: 'Invalid project token.', attr: null });
    return json(200, { [key]: [] }, { 'access-control-allow-origin': req.headers.origin ?? '*' });
  };
}

/**
 * What posthog-js asks for besides flags — surveys, early-access features, web experiments — none
 * of which Hedgerow has: empty lists for a known project token, so the SDK carries on.
 */
export function registerProductFeatureRoutes(router: Router, tokens: TokenLookup): void {
  router.add('GET', '/api/surveys', emptyProductFeature(tokens, 'surveys'));
  router.add('GET', '/api/early_access_features', emptyProductFeature(tokens, 'earlyAccessFeatures'));
  router.add('GET', '/api/web_experiments', emptyProductFeature(tokens, 'experiments'));
}
