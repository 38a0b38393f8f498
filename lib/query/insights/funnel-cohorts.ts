/**
 * Cohort breakdowns of funnels: one funnel per cohort (or "all" users), over the events whose
 * person is in the cohort (the membership SQL the filters use). Each cohort is a partition of the
 * per-actor funnel (funnel-sql.ts), keyed by its id, so a person in two cohorts counts in both.
 * As PostHog shows them: `breakdown` is the cohort's name ("all users"), `breakdown_value` its
 * id (0 for all users, PostHog's ALL_USERS_COHORT_ID).
 */
import { BadRequestError, describeValue } from '../../http/errors';
import { cohortMembershipSql, type FilterScope } from '../filters/property-filters';

export interface FunnelCohort {
  /** The partition key: the cohort id as text, "0" for all users. */
  readonly key: string;
  readonly id: number;
  readonly name: string;
  /** SQL true for events whose person is in the cohort. */
  readonly member: string;
}

const ALL_USERS = { key: '0', id: 0, name: 'all users', member: '1' } as const;

export async function funnelCohorts(ids: readonly (number | 'all')[], scope: FilterScope): Promise<FunnelCohort[]> {
  const unique = [...new Set(ids)];
  return Promise.all(
    unique.map(async (id) => {
      if (id === 'all') return ALL_USERS;
      const member = await cohortMembershipSql(id, scope, 'breakdownFilter.breakdown');
      const name = (await scope.ctx.loadCohort(id))?.name ?? `Cohort ${id}`;
      return { key: String(id), id, name, member };
    }),
  );
}

/** Array(String) SQL of the keys of the cohorts an event's person is in. */
export function cohortPartitionsSql(cohorts: readonly FunnelCohort[]): string {
  const keys = cohorts.map((c) => (c.member === '1' ? `'${c.key}'` : `if(${c.member}, '${c.key}', '')`));
  return `arrayFilter(k -> k != '', [${keys.join(', ')}])`;
}

/** The partition key a FunnelsActorsQuery's `funnelStepBreakdown` names (a cohort id, 0 or "all"). */
export function cohortKey(value: unknown, cohorts: readonly FunnelCohort[]): string {
  const raw = Array.isArray(value) ? value[0] : value;
  const key = raw === 'all' ? '0' : String(raw);
  if (!cohorts.some((c) => c.key === key)) throw new BadRequestError('invalid_input', `source.funnelStepBreakdown: ${describeValue(raw)} is not a cohort of the breakdown.`, 'source.funnelStepBreakdown');
  return key;
}
