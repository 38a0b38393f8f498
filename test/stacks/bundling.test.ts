import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildHedgerowApp, createHedgerowApp } from '../../bin/app';
import { EXTERNAL_MODULES } from '../../stacks/constructs/hedgerow-function';

/** Each Hedgerow function (tagged `hedgerow:function`) of the assembly's stacks (or of those named), with its asset folder. */
function bundlesOf(assembly: CloudAssembly, stackNames?: readonly string[]): { name: string; dir: string }[] {
  const stacks = assembly.stacks.filter((stack) => !stackNames || stackNames.includes(stack.stackName));
  return stacks.flatMap((stack) =>
    Object.values(stack.template.Resources as Record<string, { Type: string; Properties: any }>)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Tags?.some((t: { Key: string }) => t.Key === 'hedgerow:function'))
      .map((r) => ({
        name: r.Properties.Tags.find((t: { Key: string }) => t.Key === 'hedgerow:function').Value as string,
        dir: path.join(assembly.directory, `asset.${String(r.Properties.Code.S3Key).replace(/\.zip$/, '')}`),
      })),
  );
}

/** A minified CommonJS bundle with its source map, exporting the handler, with no local-only engine inside. */
function expectLeanBundle({ name, dir }: { name: string; dir: string }): void {
  const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
  expect(fs.existsSync(path.join(dir, 'index.js.map'))).toBe(true);
  expect(code).toMatch(/module\.exports/);
  expect(code).toContain('handler');
  // Local-only engines never end up inside a bundle.
  for (const external of EXTERNAL_MODULES.filter((m) => !m.includes('*'))) {
    expect({ name, bundled: code.includes(`node_modules/${external}/`) }).toEqual({ name, bundled: false });
  }
}

/**
 * The syntheses that really bundle (every other test skips esbuild): each Lambda entry under
 * lambdas/ becomes a minified CommonJS bundle with a source map, built by the local esbuild.
 */
describe('esbuild bundling', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgerow-bundle-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('every Hedgerow function has a bundle in the cloud assembly', () => {
    const app = createHedgerowApp({ outdir });
    buildHedgerowApp(app, { profile: 'lean', migrationsVersion: 'test' });
    const bundles = bundlesOf(app.synth());
    expect(bundles.map((b) => b.name).sort()).toEqual(['api', 'capture', 'clickhouse-loader', 'flags', 'ingestion-consumer', 'migrate', 'query-worker', 'replay-consumer']);
    for (const bundle of bundles) expectLeanBundle(bundle);
    // The flags function serves posthog-js's bundles from a copy beside its handler (the npm package's very files).
    const flags = bundles.find((b) => b.name === 'flags')!;
    const dist = path.join(path.dirname(require.resolve('posthog-js/package.json')), 'dist');
    for (const file of ['array.js', 'lazy-recorder.js', 'recorder.js']) {
      expect(fs.readFileSync(path.join(flags.dir, 'static', file)).equals(fs.readFileSync(path.join(dist, file)))).toBe(true);
    }
    expect(fs.readdirSync(path.join(flags.dir, 'static')).every((f) => f.endsWith('.js'))).toBe(true);
    expect(fs.existsSync(path.join(bundles.find((b) => b.name === 'capture')!.dir, 'static'))).toBe(false);

    // The functions that run HogQL carry PostHog's parser beside their bundle, where `require` finds it.
    for (const name of ['api', 'query-worker']) {
      const dir = bundles.find((b) => b.name === name)!.dir;
      const probe = "require('@posthog/hogql-parser')().then((p) => console.log(JSON.parse(p.parseSelect('select 1', true)).node))";
      expect(execFileSync(process.execPath, ['-e', probe], { cwd: dir, encoding: 'utf8' }).trim()).toBe('SelectQuery');
    }
    for (const name of ['capture', 'flags']) expect(fs.existsSync(path.join(bundles.find((b) => b.name === name)!.dir, 'node_modules'))).toBe(false);
  });

  test('with the msk bus, kafka-topics bundles like the others, and every function that speaks Kafka carries the client beside its bundle', () => {
    const stacks = ['HedgerowData', 'HedgerowIngestion'];
    const app = createHedgerowApp({ outdir: path.join(outdir, 'msk'), context: { 'aws:cdk:bundling-stacks': stacks } });
    buildHedgerowApp(app, { profile: 'lean', bus: 'msk', migrationsVersion: 'test' });
    const bundles = bundlesOf(app.synth(), stacks);
    const topics = bundles.find((b) => b.name === 'kafka-topics')!;
    expectLeanBundle(topics);
    // kafka-topics loads from its folder alone (the AWS SDK's credential chain is the runtime's, loaded on first connect).
    expect(execFileSync(process.execPath, ['-e', "console.log(typeof require('./index.js').handler)"], { cwd: topics.dir, encoding: 'utf8' }).trim()).toBe('function');
    // Each producer finds the Kafka client in the copy beside its bundle (their cold starts need the stack's environment).
    const probe = "console.log(require.resolve('kafkajs').startsWith(process.cwd()), typeof require('kafkajs').Kafka)";
    for (const name of ['kafka-topics', 'capture', 'ingestion-consumer']) {
      const { dir } = bundles.find((b) => b.name === name)!;
      expect({ name, vendored: execFileSync(process.execPath, ['-e', probe], { cwd: dir, encoding: 'utf8' }).trim() }).toEqual({ name, vendored: 'true function' });
    }
    // The consumers that only read (their mappings' pollers speak Kafka) carry nothing.
    for (const name of ['clickhouse-loader', 'replay-consumer']) expect(fs.existsSync(path.join(bundles.find((b) => b.name === name)!.dir, 'node_modules'))).toBe(false);
  });
});
