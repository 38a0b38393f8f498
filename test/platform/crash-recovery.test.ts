/**
 * kill -9 of `npm start` while events pour in: after a restart on the same data folder, every
 * event that got a 200 is in ClickHouse exactly once.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { openAnalyticsStore } from '../../lib/platform/ports';
import { eventually, startHedgerow, type RunningHedgerow } from '../support/hedgerow-process';

async function sendBatches(h: RunningHedgerow, accepted: Set<string>, until: { stop: boolean }): Promise<void> {
  let n = 0;
  const worker = async (w: number) => {
    while (!until.stop) {
      const batch = Array.from({ length: 20 }, (_, i) => ({
        uuid: randomUUID(),
        event: 'crash-test',
        distinct_id: `user-${w}-${n % 7}`,
        properties: { n: n++, i, $set: { last_batch: n } },
      }));
      try {
        const res = await fetch(`${h.url}/batch/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: h.token, batch }) });
        if (res.status === 200) for (const e of batch) accepted.add(e.uuid);
      } catch {
        return; // the process is gone
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
}

it('loses and duplicates nothing that was acknowledged across a kill -9', async () => {
  const first = await startHedgerow();
  const accepted = new Set<string>();
  const until = { stop: false };
  const sending = sendBatches(first, accepted, until);
  await eventually(async () => accepted.size >= 2_000, 60_000);
  await first.kill();
  until.stop = true;
  await sending;
  expect(accepted.size).toBeGreaterThanOrEqual(2_000);

  const second = await startHedgerow({ dataDir: first.dataDir, token: first.token, personalApiKey: first.personalApiKey });
  // The restarted consumers resume from their checkpoints; wait until both have caught up.
  await eventually(async () => {
    const health = (await (await fetch(`${second.url}/_health`)).json()) as { consumers: Record<string, { lag_bytes: number }> };
    return Object.values(health.consumers).every((c) => c.lag_bytes === 0);
  }, 120_000);
  expect(await second.stop()).toBe(0);

  const store = await openAnalyticsStore({ kind: 'chdb', dir: path.join(first.dataDir, 'clickhouse') });
  try {
    const rows = await store.query<{ id: string; copies: string }>(
      "SELECT toString(uuid) AS id, count() AS copies FROM events WHERE event = 'crash-test' GROUP BY id",
    );
    const copies = new Map(rows.map((r) => [r.id, Number(r.copies)]));
    const missing = [...accepted].filter((id) => !copies.has(id));
    const duplicated = rows.filter((r) => Number(r.copies) > 1);
    expect(missing).toEqual([]);
    expect(duplicated).toEqual([]);
  } finally {
    await store.close();
    first.removeData();
  }
}, 240_000);
