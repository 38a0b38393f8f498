/** posthog_insightvariable on every Postgres engine: values round-trip as JSON, one team's variables stay its own. */
import { deleteInsightVariable, findInsightVariable, insertInsightVariable, listInsightVariables, loadVariableDefinitions, updateInsightVariable } from '../../lib/insights/insight-variable-repository';
import type { Database } from '../../lib/ports/database';
import { databaseEngines } from '../support/databases';
import { insertTestTeam } from '../support/teams';

describe.each(databaseEngines())('insight variables on %s', (_engine, open) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  it('stores, lists, updates and deletes variables of one team, with their defaults and values as JSON', async () => {
    const { teamId } = await insertTestTeam(db);
    const { teamId: otherTeam } = await insertTestTeam(db);
    const list = await insertInsightVariable(db, teamId, { name: 'Plan tier', type: 'List', default_value: 'pro', values: ['free', 'pro'] }, null);
    const number = await insertInsightVariable(db, teamId, { name: 'Min', type: 'Number', default_value: 2.5, values: null }, null);
    const none = await insertInsightVariable(db, teamId, { name: 'No default', type: 'String', default_value: null, values: null }, null);
    await insertInsightVariable(db, otherTeam, { name: 'Min', type: 'Boolean', default_value: true, values: null }, null);

    expect(await findInsightVariable(db, teamId, list)).toMatchObject({ id: list, teamId, codeName: 'plan_tier', type: 'List', defaultValue: 'pro', values: ['free', 'pro'] });
    expect(await findInsightVariable(db, otherTeam, list)).toBeUndefined();
    expect(await findInsightVariable(db, teamId, 'nope')).toBeUndefined();
    const page = await listInsightVariables(db, teamId, { limit: 2, offset: 0 });
    expect(page.count).toBe(3);
    const rest = await listInsightVariables(db, teamId, { limit: 2, offset: 2 });
    expect([...page.variables, ...rest.variables].map((v) => v.id).sort()).toEqual([list, number, none].sort());
    const definitions = await loadVariableDefinitions(db, teamId);
    expect(definitions.map((d) => [d.codeName, d.type, d.defaultValue]).sort()).toEqual([
      ['min', 'Number', 2.5],
      ['no_default', 'String', null],
      ['plan_tier', 'List', 'pro'],
    ]);

    await updateInsightVariable(db, teamId, none, { name: 'Renamed', type: 'String', default_value: "it's", values: null });
    expect(await findInsightVariable(db, teamId, none)).toMatchObject({ name: 'Renamed', codeName: 'no_default', defaultValue: "it's" });
    await deleteInsightVariable(db, otherTeam, number);
    expect(await findInsightVariable(db, teamId, number)).toBeDefined();
    await deleteInsightVariable(db, teamId, number);
    expect(await findInsightVariable(db, teamId, number)).toBeUndefined();
    await expect(insertInsightVariable(db, teamId, { name: 'plan TIER', type: 'String', default_value: null, values: null }, null)).rejects.toMatchObject({ code: '23505' });
  });
});
