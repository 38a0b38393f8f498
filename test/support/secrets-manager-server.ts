import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Secrets Manager's GetSecretValue (JSON 1.1 protocol, `X-Amz-Target:
 * secretsmanager.GetSecretValue`), enough for the real SDK client, e.g. reached through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`. Secrets are held in memory by id (name or ARN). Any other
 * operation answers UnknownOperationException; authentication is not checked.
 */
export class SecretsManagerServer {
  /** `GetSecretValue <SecretId>` per call, in order. */
  readonly calls: string[] = [];
  private readonly secrets = new Map<string, string>();

  private constructor(private readonly server: http.Server) {}

  static async start(secrets: Readonly<Record<string, string | object>> = {}): Promise<SecretsManagerServer> {
    const server = http.createServer();
    const sm = new SecretsManagerServer(server);
    for (const [id, value] of Object.entries(secrets)) sm.put(id, value);
    server.on('request', (req, res) => void sm.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sm;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stores a secret; an object is stored as its JSON, as the console does for key/value secrets. */
  put(secretId: string, value: string | object): void {
    this.secrets.set(secretId, typeof value === 'string' ? value : JSON.stringify(value));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
    if (operation !== 'GetSecretValue') {
      return send(res, 400, { __type: 'UnknownOperationException', message: `Operation ${operation || '(none)'} is not supported here.` });
    }
    const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
    this.calls.push(`GetSecretValue ${SecretId}`);
    const secret = SecretId === undefined ? undefined : this.secrets.get(SecretId);
    if (secret === undefined) {
      return send(res, 400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
    }
    send(res, 200, {
      ARN: SecretId,
      Name: SecretId,
      SecretString: secret,
      VersionId: '00000000-0000-4000-8000-000000000000',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: Date.now() / 1000,
    });
  }
}

function send(res: http.ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
