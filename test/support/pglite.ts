import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PgliteDatabase } from '../../lib/adapters/local/pglite-database';
import { migratePostgres } from '../../lib/postgres/migrate';
import { POSTGRES_MIGRATIONS } from '../../lib/postgres/migrations';

/**
 * A fresh, migrated PGlite database. The first call in a run builds a template (initdb +
 * migrations, ~5 s) and dumps it to the temp folder; later calls clone it (~1 s).
 */
export async function createTestPglite(): Promise<PgliteDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const stamp = POSTGRES_MIGRATIONS.map((m) => `${m.version}-${m.statements.join('').length}`).join('_');
  const template = path.join(os.tmpdir(), `hedgerow-pglite-template-${stamp}.tar.gz`);
  if (!fs.existsSync(template)) {
    const db = await PGlite.create();
    await migratePostgres(PgliteDatabase.wrap(db));
    const dump = await db.dumpDataDir('gzip');
    const tmp = `${template}.${process.pid}`;
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, template);
    await db.close();
  }
  const blob = new Blob([fs.readFileSync(template)]);
  return PgliteDatabase.wrap(await PGlite.create({ loadDataDir: blob }));
}
