import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Reads a JSON secret; the same id answers the same promise for the life of the reader. */
export type JsonSecretReader = <T = Record<string, unknown>>(secretId: string) => Promise<T>;

export class SecretError extends Error {
  constructor(message: string, readonly secretId: string, readonly cause?: unknown) {
    super(message);
    this.name = 'SecretError';
  }
}

/**
 * A reader that fetches each secret once and caches the promise (one call per Lambda cold
 * start, however many requests ask at once). A failed read is forgotten, so the next call
 * tries again. Secret values never appear in errors.
 */
export function createJsonSecretReader(client: Pick<SecretsManagerClient, 'send'> = new SecretsManagerClient({})): JsonSecretReader {
  const cache = new Map<string, Promise<unknown>>();
  return <T>(secretId: string): Promise<T> => {
    let pending = cache.get(secretId);
    if (!pending) {
      pending = fetchJson(client, secretId);
      cache.set(secretId, pending);
      pending.catch(() => cache.delete(secretId));
    }
    return pending as Promise<T>;
  };
}

async function fetchJson(client: Pick<SecretsManagerClient, 'send'>, secretId: string): Promise<unknown> {
  let text: string | undefined;
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    text = output.SecretString ?? (output.SecretBinary ? Buffer.from(output.SecretBinary).toString('utf8') : undefined);
  } catch (error) {
    throw new SecretError(`Could not read secret ${secretId}: ${(error as Error).name}`, secretId, error);
  }
  if (text === undefined) throw new SecretError(`Secret ${secretId} has no value.`, secretId);
  try {
    return JSON.parse(text);
  } catch {
    throw new SecretError(`Secret ${secretId} is not valid JSON.`, secretId);
  }
}

let defaultReader: JsonSecretReader | undefined;

/** Reads a JSON secret through a process-wide reader (and client), created on first use. */
export function readJsonSecret<T = Record<string, unknown>>(secretId: string): Promise<T> {
  defaultReader ??= createJsonSecretReader();
  return defaultReader<T>(secretId);
}
