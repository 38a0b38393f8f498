import fs from 'node:fs';
import path from 'node:path';
import {
  createOrganization,
  createPersonalApiKey,
  createTeam,
  createUser,
  findPersonalApiKey,
  findTeamByToken,
  findUserByEmail,
  listAllTeams,
  type Team,
} from '../accounts/accounts-repository';
import type { Database } from '../ports/database';

export interface LocalCredentials {
  readonly team: Team;
  readonly personalApiKey: string;
}

const DEFAULT_EMAIL = 'admin@hedgerow.local';

/**
 * Makes sure a fresh local install has an organisation, a default project, a user and a
 * personal API key, honouring seeded values (HEDGEROW_PROJECT_TOKEN, HEDGEROW_PERSONAL_API_KEY).
 * A generated personal key is kept in `<dataDir>/credentials.json` (mode 600) so that every
 * start can print it: the database itself only holds its hash.
 */
export async function bootstrapLocalAccounts(
  db: Database,
  options: { dataDir: string; projectToken?: string; personalApiKey?: string },
): Promise<LocalCredentials> {
  const file = path.join(options.dataDir, 'credentials.json');
  const saved = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { personalApiKey?: string }) : {};

  let user = await findUserByEmail(db, DEFAULT_EMAIL);
  if (!user) {
    const org = await createOrganization(db, 'Hedgerow');
    user = await createUser(db, { email: DEFAULT_EMAIL, organizationId: org.id, firstName: 'Admin' });
  }
  let team = options.projectToken ? await findTeamByToken(db, options.projectToken) : undefined;
  if (!team) {
    const existing = (await listAllTeams(db)).filter((t) => t.organizationId === user!.organizationId);
    team =
      existing.length > 0 && !options.projectToken
        ? existing[0]
        : await createTeam(db, { organizationId: user.organizationId, name: existing.length ? 'Seeded project' : 'Default project', apiToken: options.projectToken });
  }

  let personalApiKey = options.personalApiKey ?? saved.personalApiKey;
  if (!personalApiKey || !(await findPersonalApiKey(db, personalApiKey))) {
    personalApiKey = (await createPersonalApiKey(db, { userId: user.id, label: 'Local default key', value: personalApiKey })).value;
  }
  if (!options.personalApiKey) {
    fs.writeFileSync(file, JSON.stringify({ personalApiKey }, null, 2), { mode: 0o600 });
  }
  return { team, personalApiKey };
}
