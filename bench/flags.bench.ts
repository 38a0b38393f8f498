/**
 * Feature flag benchmarks (issue #3):
 *
 * 1. Evaluation throughput of our core (lib/flags/evaluation) against posthog-node's local
 *    evaluator, in one run, on the same 50-flag set (20 % property filters, 10 % cohorts, 10 %
 *    multivariate, the rest rollouts) and the same 10k persons. posthog-node gets the definitions
 *    we serve (toLocalEvaluationResponse) from a loopback server, once; both sides then evaluate
 *    all flags per person in memory. Goal: ≥ 2× posthog-node.
 * 2. `/flags` over HTTP on a local `npm start` process with 50 flags and 2,000 stored persons:
 *    each person's first request one at a time (it reads Postgres), then an open-loop load at a
 *    fixed rate (default 1,000 req/s for 10 s) over the same persons from a node process of its
 *    own (raw keep-alive sockets: support/open-loop-load.ts, load-apart.ts); p50/p99 latency and
 *    the achieved rate, and the same load against an empty node:http server (the machine's
 *    floor). Goal: p99 ≤ 5 ms at 1k req/s.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { PostHog } from 'posthog-node';
import { evaluateFlags } from '../lib/flags/evaluation/evaluate-flags';
import { toLocalEvaluationResponse } from '../lib/flags/evaluation/local-evaluation';
import type { Cohort, EvaluationContext, FeatureFlag, FlagCondition, FlagFilters, PropertyFilter } from '../lib/flags/types';
import { flag } from '../test/flags/evaluation/fixtures';
import { api, eventually, startHedgerow } from '../test/support/hedgerow-process';
import { runOpenLoopLoadApart } from './support/load-apart';

const PLANS = ['free', 'pro', 'team', 'enterprise'];
const COUNTRIES = ['US', 'CA', 'FR', 'DE', 'GB', 'BR', 'IN', 'JP'];

/** A deterministic pseudo-random sequence (the same persons and flags in every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface BenchPerson {
  readonly distinctId: string;
  readonly properties: Record<string, string | number>;
}

export function benchPersons(count: number): BenchPerson[] {
  const rnd = lcg(7);
  return Array.from({ length: count }, (_, i) => ({
    distinctId: `person-${i}`,
    properties: {
      email: `user${i}@${rnd() < 0.3 ? 'example.com' : 'mail.org'}`,
      plan: PLANS[Math.floor(rnd() * PLANS.length)]!,
      country: COUNTRIES[Math.floor(rnd() * COUNTRIES.length)]!,
      age: 18 + Math.floor(rnd() * 60),
    },
  }));
}

const person = (key: string, operator: string, value: unknown): PropertyFilter => ({ key, operator, value, type: 'person' });

/** Flag definitions bodies (as the API takes them) and the two dynamic cohorts they use. */
export function benchFlagBodies(): { cohorts: { name: string; filters: Cohort['filters'] }[]; flags: { key: string; filters: Record<string, unknown> }[] } {
  const cohorts = [
    { name: 'North America', filters: { properties: { type: 'OR' as const, values: [{ type: 'AND' as const, values: [person('country', 'exact', ['US', 'CA'])] }] } } },
    { name: 'Adults on paid plans', filters: { properties: { type: 'AND' as const, values: [{ type: 'AND' as const, values: [person('age', 'gte', '30'), person('plan', 'is_not', 'free')] }] } } },
  ];
  const propertyConditions: FlagCondition[][] = [
    [{ properties: [person('email', 'icontains', 'example.com')], rollout_percentage: 100 }],
    [{ properties: [person('plan', 'exact', ['pro', 'enterprise'])], rollout_percentage: 50 }],
    [{ properties: [person('country', 'exact', 'FR')] }, { properties: [person('age', 'lt', '25')], rollout_percentage: 30 }],
    [{ properties: [person('email', 'regex', '^user[0-9]*7@')], rollout_percentage: 100 }],
    [{ properties: [person('age', 'gt', '40'), person('plan', 'is_not', 'free')], rollout_percentage: 80 }],
  ];
  const flags: { key: string; filters: Record<string, unknown> }[] = [];
  for (let i = 0; i < 50; i++) {
    const key = `flag-${String(i).padStart(2, '0')}`;
    if (i < 10) flags.push({ key, filters: { groups: propertyConditions[i % propertyConditions.length] } });
    else if (i < 15) flags.push({ key, filters: { groups: [{ properties: [{ key: 'id', type: 'cohort', value: `$COHORT${i % 2}` }], rollout_percentage: 100 }] } });
    else if (i < 20) {
      flags.push({
        key,
        filters: {
          groups: [{ properties: [], rollout_percentage: 100 }],
          multivariate: { variants: [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 30 }, { key: 'test-2', rollout_percentage: 20 }] },
        },
      });
    } else flags.push({ key, filters: { groups: [{ properties: [], rollout_percentage: (i * 7) % 100 }] } });
  }
  return { cohorts, flags };
}

/** A flag's filters with its `$COHORT<n>` placeholders replaced by the n-th of `cohortIds`. */
function withCohortIds(filters: Record<string, unknown>, cohortIds: readonly number[]): FlagFilters {
  return JSON.parse(JSON.stringify(filters).replace(/"\$COHORT(\d)"/g, (_, n: string) => String(cohortIds[Number(n)]))) as FlagFilters;
}

/** The same set in the stored shape, cohorts with ids 1 and 2. */
function storedFlagSet(): { flags: FeatureFlag[]; cohorts: Map<number, Cohort> } {
  const bodies = benchFlagBodies();
  const cohorts = new Map<number, Cohort>(bodies.cohorts.map((c, i) => [i + 1, { id: i + 1, team_id: 1, name: c.name, is_static: false, deleted: false, filters: c.filters }]));
  const flags = bodies.flags.map((f, i) =>
    flag(f.key, withCohortIds(f.filters, [1, 2]), { id: i + 1 }),
  );
  return { flags, cohorts };
}

export interface EvalBenchResult {
  readonly persons: number;
  readonly flags: number;
  readonly oursPerSecond: number;
  readonly posthogNodePerSecond: number;
  readonly ratio: number;
  /** Flag answers on which both sides agreed / that posthog-node decided. */
  readonly agreed: number;
  readonly compared: number;
}

export async function runFlagsEvalBench(options: { persons?: number; rounds?: number } = {}): Promise<EvalBenchResult> {
  const persons = benchPersons(options.persons ?? 10_000);
  const rounds = options.rounds ?? 3;
  const { flags, cohorts } = storedFlagSet();
  const body = JSON.stringify(toLocalEvaluationResponse(flags, cohorts, new Map(), { sendCohorts: true }));
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sdk = new PostHog('phc_bench', {
    host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    personalApiKey: 'phx_bench',
    featureFlagsPollingInterval: 3_600_000,
    flushAt: 100_000,
    flushInterval: 0,
    disableGeoip: true,
  });
  await sdk.reloadFeatureFlags();

  const now = new Date();
  const ours = (p: BenchPerson) => {
    const ctx: EvaluationContext = {
      distinctId: p.distinctId,
      groups: {},
      personProperties: { distinct_id: p.distinctId, ...p.properties },
      personExists: true,
      groupProperties: {},
      groupTypes: new Map(),
      cohorts,
      staticCohortIds: new Set(),
      hashKeyOverrides: {},
      now,
    };
    return evaluateFlags(flags, ctx);
  };
  const theirs = (p: BenchPerson) => sdk.getAllFlags(p.distinctId, { onlyEvaluateLocally: true, personProperties: p.properties as Record<string, string> });

  // Same answers first (the figures compare equal work).
  let agreed = 0;
  let compared = 0;
  for (const p of persons.slice(0, 1000)) {
    const a = ours(p);
    const b = await theirs(p);
    for (const [key, value] of Object.entries(b)) {
      compared++;
      const mine = a[key];
      if (mine && (mine.enabled ? mine.variant ?? true : false) === value) agreed++;
    }
  }

  let bestOurs = Infinity;
  let bestTheirs = Infinity;
  for (let r = 0; r < rounds; r++) {
    let t = process.hrtime.bigint();
    for (const p of persons) ours(p);
    bestOurs = Math.min(bestOurs, Number(process.hrtime.bigint() - t) / 1e9);
    t = process.hrtime.bigint();
    for (const p of persons) await theirs(p);
    bestTheirs = Math.min(bestTheirs, Number(process.hrtime.bigint() - t) / 1e9);
  }
  await sdk.shutdown();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const oursPerSecond = persons.length / bestOurs;
  const posthogNodePerSecond = persons.length / bestTheirs;
  return { persons: persons.length, flags: flags.length, oursPerSecond, posthogNodePerSecond, ratio: oursPerSecond / posthogNodePerSecond, agreed, compared };
}

export interface HttpBenchResult {
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly failed: number;
  readonly achievedRate: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** The same load against an empty node:http server answering the same bytes: what this machine and generator add. */
  readonly floor: { readonly p50: number; readonly p99: number };
  /** A person's first request, sequential (read from Postgres, then cached until ingestion changes the person). */
  readonly coldP50: number;
  readonly coldP99: number;
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * The server's threads on core 0 and the load generator on core 1 (Linux `taskset`), so that
 * they do not take turns on one core: a latency the generator measures is then the server's.
 * Skipped where `taskset` is missing or there is one core.
 */
const GENERATOR_CORE = os.cpus().length < 2 ? undefined : 1;

function pinApart(serverPid: number | undefined): void {
  if (!serverPid || GENERATOR_CORE === undefined) return;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(serverPid)], { stdio: 'ignore' });
    // This process only waits for the generator's answer meanwhile; it stays off the server's core too.
    execFileSync('taskset', ['-a', '-p', '-c', String(GENERATOR_CORE), String(process.pid)], { stdio: 'ignore' });
  } catch {
    // No taskset: the figures then include the two sharing cores.
  }
}

/**
 * The latency floor of this machine: the same open-loop load against a node:http server that
 * does nothing but answer `body`, pinned like the server under test.
 */
async function measureFloor(body: string, load: { rate: number; seconds: number }): Promise<{ p50: number; p99: number }> {
  const code = `const b = Buffer.from(process.env.BODY); require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.writeHead(200, { 'content-type': 'application/json', 'content-length': b.length }).end(b)); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', code], { env: { ...process.env, BODY: body }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', () => reject(new Error('floor server exited')));
    });
    pinApart(child.pid);
    const r = await runOpenLoopLoadApart({ url: `http://127.0.0.1:${port}/`, body: () => '{}', ...load, warmup: 200, core: GENERATOR_CORE });
    return { p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99) };
  } finally {
    child.kill();
  }
}

export async function runFlagsHttpBench(options: { rate?: number; seconds?: number; persons?: number } = {}): Promise<HttpBenchResult> {
  const rate = options.rate ?? 1000;
  const seconds = options.seconds ?? 10;
  const h = await startHedgerow({ env: { LOG_LEVEL: 'error' }, nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) });
  try {
    const bodies = benchFlagBodies();
    const cohortIds: number[] = [];
    for (const c of bodies.cohorts) {
      const res = await api<{ id: number }>(h, '/api/projects/@current/cohorts/', { method: 'POST', body: JSON.stringify(c) });
      if (res.status !== 201) throw new Error(`cohort: ${res.status} ${JSON.stringify(res.body)}`);
      cohortIds.push(res.body.id);
    }
    for (const f of bodies.flags) {
      const filters = withCohortIds(f.filters, cohortIds);
      const res = await api(h, '/api/projects/@current/feature_flags/', { method: 'POST', body: JSON.stringify({ key: f.key, filters }) });
      if (res.status !== 201) throw new Error(`flag ${f.key}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    // Stored persons: identify events with $set, through capture and ingestion.
    const persons = benchPersons(options.persons ?? 2000);
    for (let i = 0; i < persons.length; i += 500) {
      const batch = persons.slice(i, i + 500).map((p) => ({ event: '$identify', distinct_id: p.distinctId, properties: { $set: p.properties } }));
      const res = await fetch(`${h.url}/batch/`, { method: 'POST', body: JSON.stringify({ api_key: h.token, batch }) });
      if (res.status !== 200) throw new Error(`batch: ${res.status}`);
    }
    await eventually(async () => {
      const res = await api<{ results: unknown[] }>(h, `/api/projects/@current/persons/?distinct_id=${persons[persons.length - 1]!.distinctId}`);
      return res.body.results.length > 0;
    }, 120_000);

    pinApart(h.child.pid);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const url = new URL(`${h.url}/flags/?v=2`);
    const send = (distinctId: string) =>
      new Promise<number>((resolve, reject) => {
        const started = process.hrtime.bigint();
        const req = http.request(
          { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ token: h.token, distinct_id: distinctId }));
      });

    // First request of each person, one at a time: the person is read from Postgres (PGlite).
    const cold: number[] = [];
    for (const p of persons) cold.push(await send(p.distinctId));
    cold.sort((a, b) => a - b);
    // Everything ingested is in ClickHouse (no merges of ours running beside the load).
    await eventually(async () => {
      const health = (await (await fetch(`${h.url}/_health`)).json()) as { consumers: Record<string, { lag_bytes: number }> };
      return Object.values(health.consumers).every((c) => c.lag_bytes === 0);
    }, 120_000);
    // Then an open-loop load over the same persons: requests start on schedule whatever the answers do.
    const bodyOf = (i: number) => JSON.stringify({ token: h.token, distinct_id: persons[(i * 7919) % persons.length]!.distinctId });
    const load = await runOpenLoopLoadApart({ url: url.href, headers: { 'content-type': 'application/json' }, body: bodyOf, rate, seconds, warmup: 200, core: GENERATOR_CORE });
    agent.destroy();
    const sample = await (await fetch(url, { method: 'POST', body: bodyOf(0) })).text();
    const floor = await measureFloor(sample, { rate, seconds });
    const sorted = load.latencies;
    return {
      rate,
      seconds,
      sent: load.sent,
      failed: load.failed,
      achievedRate: load.achievedRate,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? NaN,
      floor,
      coldP50: percentile(cold, 50),
      coldP99: percentile(cold, 99),
    };
  } finally {
    await h.stop();
    h.removeData();
    if (process.env.BENCH_SERVER_OUTPUT) console.log(h.output());
  }
}

/**
 * The HTTP load from a node process of its own: the load generator measures the latencies, so
 * a heap grown by other benches (the evaluation one keeps 10k persons and posthog-node's
 * evaluator) would add its own GC pauses to the figures.
 */
export function runFlagsHttpBenchInChild(): Promise<HttpBenchResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--http-json'], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) return reject(error);
      const line = stdout.trim().split('\n').pop() ?? '';
      resolve(JSON.parse(line) as HttpBenchResult);
    });
  });
}

if (require.main === module) {
  (async () => {
    if (process.argv.includes('--http-json')) return console.log(JSON.stringify(await runFlagsHttpBench()));
    console.log(await runFlagsEvalBench());
    console.log(await runFlagsHttpBenchInChild());
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
