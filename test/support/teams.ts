import { randomUUID } from 'node:crypto';
import type { Sql } from '../../lib/ports/database';

/** Inserts an organisation and a team directly (for tests below the accounts layer). */
export async function insertTestTeam(db: Sql, token = `phc_${randomUUID().replace(/-/g, '')}`): Promise<{ teamId: number; token: string }> {
  const org = randomUUID();
  await db.query('INSERT INTO posthog_organization (id, name) VALUES ($1::uuid, $2)', [org, 'Test org']);
  const { rows } = await db.query<{ id: string | number }>(
    'INSERT INTO posthog_team (uuid, organization_id, name, api_token) VALUES ($1::uuid, $2::uuid, $3, $4) RETURNING id',
    [randomUUID(), org, 'Test project', token],
  );
  return { teamId: Number(rows[0].id), token };
}
