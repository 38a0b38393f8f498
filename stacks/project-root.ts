import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The repository root: the nearest folder above this file holding `package.json` and `lambdas/`.
 * Found by walking up rather than by a fixed `__dirname` offset, so the app works the same from
 * `stacks/` (ts-node, jest) and from a precompiled `dist/stacks/` (TOOLCHAIN.md §1).
 * `HEDGEROW_PROJECT_ROOT` overrides it.
 */
export function findProjectRoot(start: string = __dirname): string {
  const override = process.env.HEDGEROW_PROJECT_ROOT;
  if (override) return path.resolve(override);
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'lambdas'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No project root (package.json + lambdas/) above ${start}`);
    dir = parent;
  }
}

export const PROJECT_ROOT = findProjectRoot();
