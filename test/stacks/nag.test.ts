import { AwsSolutionsChecks } from 'cdk-nag';
import { BUSES, FRONT_DOORS, PROFILES } from '../../stacks/profiles';
import { synthesized } from './helpers';

/**
 * cdk-nag AwsSolutions on every stack of every variant: no unacknowledged finding. Each
 * acknowledgement sits next to the resource it concerns, with its reason (stacks/).
 */
const VARIANTS = PROFILES.flatMap((p) => FRONT_DOORS.flatMap((f) => BUSES.map((b) => [p, f, b] as const)));

describe.each(VARIANTS)('cdk-nag AwsSolutions (%s, %s, %s)', (profile, frontDoor, bus) => {
  const { stacks } = synthesized(profile, frontDoor, bus);
  test.each(['data', 'migration', 'ingestion'] as const)('%s stack has no unacknowledged findings', (name) => {
    const report = new AwsSolutionsChecks(stacks[name]).validateScope(stacks[name]);
    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`));
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });
});
