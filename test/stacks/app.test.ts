import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { cdkJsonContext, optionsFromContext } from '../../bin/app';
import { findProjectRoot, PROJECT_ROOT } from '../../stacks/project-root';

describe('the CDK app entry', () => {
  test('cdk.json runs bin/app.ts without type-checking and defaults to lean behind the HTTP API', () => {
    const cdkJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8'));
    expect(cdkJson.app).toBe('npx ts-node --transpile-only --prefer-ts-exts bin/app.ts');
    expect(cdkJsonContext()).toMatchObject({ profile: 'lean', frontDoor: 'httpApi', clickhouse: 'cloud' });
  });

  test('options come from context, with defaults, and bad values fail loudly', () => {
    expect(optionsFromContext(new App())).toMatchObject({ profile: 'lean', frontDoor: 'httpApi', clickhouse: 'cloud', logLevel: 'info' });
    expect(optionsFromContext(new App({ context: { profile: 'scale', frontDoor: 'alb' } }))).toMatchObject({ profile: 'scale', frontDoor: 'alb' });
    expect(() => optionsFromContext(new App({ context: { profile: 'huge' } }))).toThrow('Context "profile" must be one of lean | scale');
    expect(() => optionsFromContext(new App({ context: { clickhouse: 'ec2' } }))).toThrow(/clickhouse/);
  });

  test('the project root is found from a precompiled dist/ folder too', () => {
    expect(fs.existsSync(path.join(PROJECT_ROOT, 'lambdas', 'capture', 'index.ts'))).toBe(true);
    expect(findProjectRoot(path.join(PROJECT_ROOT, 'dist', 'stacks', 'constructs'))).toBe(PROJECT_ROOT);
    expect(() => findProjectRoot(fs.mkdtempSync(path.join(os.tmpdir(), 'no-root-')))).toThrow(/No project root/);
  });
});
