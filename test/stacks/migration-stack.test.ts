import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { PERSONS_PROJECTION_FORMAT } from '../../lib/flags/projection-keys';
import { migrationsHash } from '../../stacks/migrations-hash';
import { hedgerowFunction, synthesized } from './helpers';

describe('MigrationStack', () => {
  const { migration, stacks } = synthesized('lean');

  test('a custom resource backed by lambdas/migrate, versioned by the migrations', () => {
    migration.hasResourceProperties('Custom::HedgerowMigrations', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProviderframeworkonEvent'), 'Arn'] },
      MigrationsVersion: 'test',
      ProjectionFormat: String(PERSONS_PROJECTION_FORMAT),
    });
    const { id, props } = hedgerowFunction(migration, 'migrate');
    expect(props.Timeout).toBe(600);
    expect(props.Environment.Variables).toMatchObject({ HEDGEROW_DATABASE_MODE: 'data-api', HEDGEROW_DATABASE_NAME: 'hedgerow' });
    migration.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': [id, 'Arn'] } }) },
    });
  });

  test('runs before the ingestion stack deploys new code, after the data stack', () => {
    expect(stacks.ingestion.dependencies).toContain(stacks.migration);
    expect(stacks.migration.dependencies).toContain(stacks.data);
  });

  test('may read and write the key-value table (republishing, and the persons backfill that writes only absent or older entries)', () => {
    expect(hedgerowFunction(migration, 'migrate').props.Environment.Variables.HEDGEROW_KV_TABLE).toBeDefined();
    const actions = Object.values(migration.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .flatMap((st: { Action: string | string[] }) => [st.Action].flat())
      .filter((a: string) => a.startsWith('dynamodb:'));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem']));
  });

  test('the Data API grant: rds-data on the cluster and the master secret', () => {
    const statements = Object.values(migration.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Action: expect.arrayContaining(['rds-data:ExecuteStatement', 'rds-data:BeginTransaction']) }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'] }));
  });
});

describe('migrationsHash', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-hash-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('changes when a migration source changes, and only then', () => {
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ version: '1.2.3' }));
    const fallback = migrationsHash(root);
    fs.mkdirSync(path.join(root, 'lib/postgres'), { recursive: true });
    fs.writeFileSync(path.join(root, 'lib/postgres/migrations.ts'), 'export const A = 1;');
    const first = migrationsHash(root);
    expect(first).not.toBe(fallback);
    expect(migrationsHash(root)).toBe(first);
    fs.writeFileSync(path.join(root, 'lib/postgres/migrations.test.ts'), 'tests do not count');
    expect(migrationsHash(root)).toBe(first);
    fs.writeFileSync(path.join(root, 'lib/postgres/migrations.ts'), 'export const A = 2;');
    expect(migrationsHash(root)).not.toBe(first);
  });
});
