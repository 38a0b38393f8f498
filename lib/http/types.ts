/**
 * The HTTP shape every handler speaks. The local server, API Gateway (payload v2) and the ALB
 * are each converted to and from it at the edge, so handlers know nothing of where they run.
 */
export interface HttpRequest {
  readonly method: string;
  /** The path without query string, e.g. `/i/v0/e/`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** The client address (first X-Forwarded-For hop when behind a proxy). */
  readonly sourceIp: string;
  /** Route parameters filled in by the router (`:id` → params.id). */
  readonly params?: Readonly<Record<string, string>>;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

export type HttpHandler = (req: HttpRequest) => Promise<HttpResponse>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
