import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The local implementations of AWS APIs from npm (TOOLCHAIN.md §4), started in-process on a
 * random loopback port. kinesalite and dynalite keep their data in memory.
 */
export interface Emulator {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Credentials the emulators accept (s3rver checks them; the others ignore them). */
export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const TEST_REGION = 'us-east-1';

type ServerFactory = (options: Record<string, unknown>) => http.Server;
// These packages ship no type declarations.
const kinesalite = require('kinesalite') as ServerFactory;
const dynalite = require('dynalite') as ServerFactory;
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
};

export function startKinesalite(): Promise<Emulator> {
  return listen(kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }));
}

export function startDynalite(): Promise<Emulator> {
  return listen(dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }));
}

/** The table DynamoDbKvStore works on (string partition key `pk`), as the data stack creates it. */
export async function createKeyValueTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

export async function startS3rver(): Promise<Emulator> {
  allowSingleDes();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: async () => {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function listen(server: http.Server): Promise<Emulator> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * s3rver encrypts its ListObjectsV2 continuation tokens with single DES, which OpenSSL 3
 * (Node ≥ 17) no longer offers: every paginated listing fails with InternalError. Triple DES
 * with the key repeated three times computes exactly single DES, so 'des' is mapped onto it.
 * Only the 'des' algorithm name is touched.
 */
function allowSingleDes(): void {
  const marker = Symbol.for('hedgerow.singleDesShim');
  const target = crypto as unknown as Record<symbol, boolean> & typeof crypto;
  if (target[marker]) return;
  target[marker] = true;
  const tripled = (key: crypto.CipherKey) => Buffer.concat([key as Buffer, key as Buffer, key as Buffer]);
  const { createCipheriv, createDecipheriv } = crypto;
  const patched = crypto as unknown as Record<string, unknown>;
  patched.createCipheriv = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, ...rest: unknown[]) =>
    algorithm === 'des'
      ? createCipheriv('des-ede3-cbc', tripled(key), iv)
      : (createCipheriv as (...args: unknown[]) => crypto.Cipher)(algorithm, key, iv, ...rest);
  patched.createDecipheriv = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, ...rest: unknown[]) =>
    algorithm === 'des'
      ? createDecipheriv('des-ede3-cbc', tripled(key), iv)
      : (createDecipheriv as (...args: unknown[]) => crypto.Decipher)(algorithm, key, iv, ...rest);
}
