import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError, createJsonSecretReader } from '../../../lib/adapters/aws/secrets';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/aws-emulators';

/**
 * A stand-in for Secrets Manager's GetSecretValue (JSON 1.1 protocol), so the reader is tested
 * through the real SDK client over HTTP. Secrets can be swapped and made to fail between calls.
 */
const secrets = new Map<string, string | Error>();
const calls: string[] = [];
let server: http.Server;
let client: SecretsManagerClient;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      calls.push(`${req.headers['x-amz-target']} ${SecretId}`);
      const secret = secrets.get(SecretId);
      const [status, answer] =
        secret === undefined
          ? [400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }]
          : secret instanceof Error
            ? [500, { __type: 'InternalServiceError', message: secret.message }]
            : [200, { ARN: SecretId, Name: SecretId, SecretString: secret }];
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new SecretsManagerClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await new Promise((r) => server?.close(r));
});

beforeEach(() => {
  secrets.clear();
  calls.length = 0;
});

describe('createJsonSecretReader', () => {
  const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hedgerow-clickhouse';

  it('reads and parses a JSON secret once, however many callers ask at the same time', async () => {
    secrets.set(arn, JSON.stringify({ url: 'https://ch.example:8443', username: 'loader', password: 'p@ss' }));
    const read = createJsonSecretReader(client);
    const answers = await Promise.all([read(arn), read(arn), read(arn)]);
    expect(answers[0]).toEqual({ url: 'https://ch.example:8443', username: 'loader', password: 'p@ss' });
    expect(answers[1]).toBe(answers[0]);
    secrets.set(arn, JSON.stringify({ url: 'rotated' }));
    expect(await read(arn)).toBe(answers[0]);
    expect(calls).toEqual([`secretsmanager.GetSecretValue ${arn}`]);
  });

  it('forgets a failed read, so the next call tries again', async () => {
    secrets.set(arn, new Error('internal'));
    const read = createJsonSecretReader(client);
    await expect(read(arn)).rejects.toBeInstanceOf(SecretError);
    secrets.set(arn, '{"ok":true}');
    expect(await read(arn)).toEqual({ ok: true });
    expect(calls).toHaveLength(2);
  });

  it('names the secret, never its value, when it is missing or not JSON', async () => {
    const read = createJsonSecretReader(client);
    await expect(read('missing')).rejects.toThrow('Could not read secret missing: ResourceNotFoundException');
    secrets.set('plain', 'hunter2-not-json');
    const error = await read('plain').catch((e: Error) => e);
    expect(error).toBeInstanceOf(SecretError);
    expect(error.message).toBe('Secret plain is not valid JSON.');
    expect(error.message).not.toContain('hunter2');
  });
});
