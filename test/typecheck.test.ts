/** Jest runs TypeScript through SWC, which does not type-check: this test does (strict mode, whole project). */
import { execFile } from 'node:child_process';
import path from 'node:path';

it('type-checks with tsc --noEmit', async () => {
  const root = path.resolve(__dirname, '..');
  const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
  expect(result.output).toBe('');
  expect(result.code).toBe(0);
}, 180_000);
