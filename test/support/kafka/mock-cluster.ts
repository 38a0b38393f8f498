import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A Kafka cluster over real TCP for the Kafka adapters' tests: librdkafka's mock cluster, the
 * Kafka protocol that librdkafka's own test suite runs against, in a small program of ours
 * (mock-cluster.c) built against Debian's librdkafka-dev (`.ci/run` installs it). Topics are
 * created with the cluster: the mock's metadata names no controller, so admin clients cannot.
 */
export interface MockKafkaCluster {
  /** Bootstrap servers, `host:port` each. */
  readonly brokers: string[];
  stop(): Promise<void>;
}

const SOURCE = path.join(__dirname, 'mock-cluster.c');

/** The program, built once per source version into the temp folder. */
function mockClusterBinary(): string {
  const source = fs.readFileSync(SOURCE);
  const hash = crypto.createHash('sha256').update(source).digest('hex').slice(0, 12);
  const binary = path.join(os.tmpdir(), `hedgerow-kafka-mock-${hash}`);
  if (!fs.existsSync(binary)) {
    if (!fs.existsSync('/usr/include/librdkafka/rdkafka_mock.h')) {
      throw new Error('librdkafka-dev is not installed (apt-get install librdkafka-dev): the Kafka tests need its mock cluster');
    }
    const partial = `${binary}.${process.pid}`;
    execFileSync('gcc', ['-O2', '-o', partial, SOURCE, '-lrdkafka'], { stdio: 'pipe' });
    fs.renameSync(partial, binary);
  }
  return binary;
}

/** Starts a cluster of `brokers` brokers holding `topics` (name → partitions). */
export async function startMockKafka(topics: Record<string, number>, brokers = 3): Promise<MockKafkaCluster> {
  const args = [String(brokers), ...Object.entries(topics).map(([name, partitions]) => `${name}:${partitions}`)];
  const child = spawn(mockClusterBinary(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const line = await firstLine(child);
  return {
    brokers: line.split(','),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0) resolve(out.slice(0, end).trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the Kafka mock cluster exited (${code}) before it started: ${err.trim()}`)));
  });
}
