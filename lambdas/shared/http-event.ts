import type { ALBEvent, ALBResult, APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from '../../lib/http/types';

/** What an HTTP Lambda receives: API Gateway HTTP API (payload 2.0) or an ALB target event. */
export type HttpEvent = APIGatewayProxyEventV2 | ALBEvent;
export type HttpResult = APIGatewayProxyStructuredResultV2 | ALBResult;

const isAlb = (event: HttpEvent): event is ALBEvent => 'elb' in (event.requestContext ?? {});

function lowerCase(headers: Record<string, string | undefined> | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Converts either event shape to the handlers' HttpRequest. */
export function toHttpRequest(event: HttpEvent): HttpRequest {
  const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  const headers = lowerCase(event.headers);
  if (isAlb(event)) {
    const query = new URLSearchParams();
    // ALB passes query values still percent-encoded.
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) query.append(decodeURIComponent(k), decodeURIComponent(v ?? ''));
    return {
      method: event.httpMethod,
      path: event.path,
      query,
      headers,
      body,
      sourceIp: headers['x-forwarded-for']?.split(',')[0]?.trim() ?? '',
    };
  }
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    body,
    sourceIp: event.requestContext.http.sourceIp,
  };
}

/** Converts a response back to the shape of the event that came in (binary bodies as base64). */
export function toHttpResult(event: HttpEvent, response: HttpResponse): HttpResult {
  const isBinary = Buffer.isBuffer(response.body);
  const body = response.body === undefined ? '' : isBinary ? (response.body as Buffer).toString('base64') : (response.body as string);
  const base = { statusCode: response.status, headers: response.headers ?? {}, body, isBase64Encoded: isBinary };
  return isAlb(event) ? { ...base, statusDescription: `${response.status}` } : base;
}
