import { Template } from 'aws-cdk-lib/assertions';
import { buildHedgerowApp, createHedgerowApp, type HedgerowAppOptions, type HedgerowStacks } from '../../bin/app';
import type { Bus, FrontDoor, Profile } from '../../stacks/profiles';

/** Context that skips esbuild for every stack: only test/stacks/bundling.test.ts bundles. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

export interface Synthesized {
  readonly stacks: HedgerowStacks;
  readonly data: Template;
  readonly migration: Template;
  readonly ingestion: Template;
}

export function synthesize(options: HedgerowAppOptions = {}): Synthesized {
  const app = createHedgerowApp({ context: NO_BUNDLING });
  const stacks = buildHedgerowApp(app, { migrationsVersion: 'test', ...options });
  return {
    stacks,
    data: Template.fromStack(stacks.data),
    migration: Template.fromStack(stacks.migration),
    ingestion: Template.fromStack(stacks.ingestion),
  };
}

const cache = new Map<string, Synthesized>();

/** One synthesis per profile, front door and bus per test file. */
export function synthesized(profile: Profile, frontDoor: FrontDoor = 'httpApi', bus: Bus = 'kinesis'): Synthesized {
  const key = `${profile}/${frontDoor}/${bus}`;
  if (!cache.has(key)) cache.set(key, synthesize({ profile, frontDoor, bus }));
  return cache.get(key)!;
}

type Resources = Record<string, { Type: string; Properties?: any; DeletionPolicy?: string }>;

/** Resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The Hedgerow function (tagged `hedgerow:function`) with this name. */
export function hedgerowFunction(template: Template, name: string): { id: string; props: any } {
  const found = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).find(([, r]) =>
    (r.Properties?.Tags ?? []).some((t: { Key: string; Value: string }) => t.Key === 'hedgerow:function' && t.Value === name),
  );
  if (!found) throw new Error(`no function tagged hedgerow:function=${name}`);
  return { id: found[0], props: found[1].Properties };
}

export function hedgerowFunctions(template: Template): { id: string; props: any }[] {
  return Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))
    .filter(([, r]) => (r.Properties?.Tags ?? []).some((t: { Key: string }) => t.Key === 'hedgerow:function'))
    .map(([id, r]) => ({ id, props: r.Properties }));
}
