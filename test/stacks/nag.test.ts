import { AwsSolutionsChecks } from 'cdk-nag';
import { FRONT_DOORS, PROFILES } from '../../stacks/profiles';
import { synthesized } from './helpers';

/**
 * cdk-nag AwsSolutions on every stack of every variant: no unacknowledged finding. Each
 * acknowledgement sits next to the resource it concerns, with its reason (stacks/).
 */
describe.each(PROFILES.flatMap((p) => FRONT_DOORS.map((f) => [p, f] as const)))('cdk-nag AwsSolutions (%s, %s)', (profile, frontDoor) => {
  const { stacks } = synthesized(profile, frontDoor);
  test.each(['data', 'migration', 'ingestion'] as const)('%s stack has no unacknowledged findings', (name) => {
    const report = new AwsSolutionsChecks(stacks[name]).validateScope(stacks[name]);
    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`));
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });
});
