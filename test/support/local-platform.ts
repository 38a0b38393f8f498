import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLocalConfig } from '../../lib/platform/config';
import { startLocalPlatform, type LocalPlatform } from '../../lib/platform/local-platform';
import { silentLogger } from '../../lib/observability/logger';

/**
 * The local platform in this process as `npm start` runs it, on a fresh data folder named after
 * `prefix`; its `stop` also deletes the folder (each one holds ~40 MB of PGlite).
 */
export async function startTestPlatform(prefix: string): Promise<LocalPlatform & { readonly dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const platform = await startLocalPlatform(loadLocalConfig(['--port', '0', '--data-dir', dataDir], {}), silentLogger);
  return {
    ...platform,
    dataDir,
    async stop() {
      await platform.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
