import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the schema migrations live (docs/architecture.md): every file under them feeds the hash. */
export const MIGRATION_SOURCE_DIRS = ['lib/postgres', 'lib/clickhouse'] as const;

/**
 * A content hash of the migration sources, so the migration custom resource changes (and
 * CloudFormation re-runs it) exactly when a migration changes. Falls back to the package
 * version when no migration source exists yet.
 */
export function migrationsHash(projectRoot: string): string {
  const files = MIGRATION_SOURCE_DIRS.flatMap((dir) => listFiles(path.join(projectRoot, dir))).sort();
  const hash = createHash('sha256');
  if (files.length === 0) {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version?: string };
    hash.update(`package-version:${pkg.version ?? '0.0.0'}`);
  }
  for (const file of files) {
    hash.update(path.relative(projectRoot, file).split(path.sep).join('/'));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(full);
    return entry.isFile() && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}
