/** chDB and PGlite allow one owner per data folder: a second `npm start` on it refuses clearly. */
import { startHedgerow } from '../support/hedgerow-process';

it('refuses a second process on the same data folder, and starts again once the first stopped', async () => {
  const first = await startHedgerow();
  try {
    await expect(startHedgerow({ dataDir: first.dataDir })).rejects.toThrow(/exited with 2[\s\S]*in use by another Hedgerow process \(pid \d+\)/);
    const health = await fetch(`${first.url}/_health`);
    expect(health.status).toBe(200);
  } finally {
    expect(await first.stop()).toBe(0);
  }
  const again = await startHedgerow({ dataDir: first.dataDir, token: first.token, personalApiKey: first.personalApiKey });
  expect((await fetch(`${again.url}/_health`)).status).toBe(200);
  expect(await again.stop()).toBe(0);
  first.removeData();
}, 180_000);
