import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { RdsDataDatabase } from '../../lib/adapters/aws/rds-data-database';
import type { Database } from '../../lib/ports/database';
import { migratePostgres } from '../../lib/postgres/migrate';
import { TEST_CREDENTIALS, TEST_REGION } from './aws-emulators';
import { DataApiServer } from './data-api-server';
import { createTestPglite } from './pglite';
import { createTestPostgres } from './postgres';
import { TEST_DATABASE_URL, createTestSchema } from './postgres-server';

/**
 * Aurora through the RDS Data API (the lean profile's path): the real SDK client and our adapter
 * against the local Data API, on a schema of its own in the real PostgreSQL server.
 */
async function createTestDataApi(): Promise<Database> {
  const schema = await createTestSchema('dataapi');
  const server = await DataApiServer.start({ connectionString: TEST_DATABASE_URL, schema: schema.schema });
  const client = new RDSDataClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  const db = new RdsDataDatabase({ resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:test', secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:test', database: 'test', client });
  await migratePostgres(db);
  return {
    query: (text, params) => db.query(text, params),
    transaction: (fn) => db.transaction(fn),
    async close() {
      client.destroy();
      await server.stop();
      await schema.drop();
    },
  };
}

/** The Postgres engines the persistence tests run on: PGlite (local), a real server, and the Data API. */
export function databaseEngines(): [string, () => Promise<Database>][] {
  return [
    ['PGlite', createTestPglite],
    ['PostgreSQL', createTestPostgres],
    ['the RDS Data API', createTestDataApi],
  ];
}
