/**
 * fast-check arbitraries for realistic flag definitions and persons, in Hedgerow's stored shape
 * (lib/flags/types.ts): boolean and multivariate flags with person-property filters using
 * operators SDKs evaluate locally, rollouts, variant overrides, payloads, dynamic cohorts (nested,
 * negated) and group flags. Used by the agreement tests against posthog-node's local evaluator.
 */
import fc from 'fast-check';
import type { Cohort, FeatureFlag, FlagCondition, FlagFilters, PropertyFilter, PropertyGroup } from '../../lib/flags/types';

export interface FlagSet {
  readonly flags: FeatureFlag[];
  readonly cohorts: Cohort[];
}

export interface Person {
  readonly distinctId: string;
  readonly properties: Record<string, unknown>;
  /** group type name → group key */
  readonly groups: Record<string, string>;
  /** group type name → properties */
  readonly groupProperties: Record<string, Record<string, unknown>>;
}

export interface FlagSetOptions {
  readonly minFlags?: number;
  readonly maxFlags?: number;
  readonly maxCohorts?: number;
  /** Include flags aggregated by group type 0 ("company"). Default true. */
  readonly groupFlags?: boolean;
  /** Include experiment holdouts. Default true. */
  readonly holdouts?: boolean;
  /** Include variant-override conditions. Default true. */
  readonly variantOverrides?: boolean;
}

/** The group type mapping the arbitraries assume. */
export const GROUP_TYPES: ReadonlyMap<number, string> = new Map([[0, 'company']]);

const EMAILS = ['max@posthog.com', 'Max@posthog.com', 'ann@example.com', 'A@EXAMPLE.com', 'bob@other.org', 'nobody'];
const PLANS = ['free', 'pro', 'PRO', 'enterprise', 'team'];
const COUNTRIES = ['US', 'us', 'CA', 'FR', 'de'];
const DATES = ['2023-06-30', '2023-12-31', '2024-01-01', '2024-02-01', '2024-06-01T00:00:00Z', '2025-01-15T08:30:00Z'];
const VERSIONS = ['0.9.1', '1.1.9', 'v1.1.9', '1.2.0', '1.2.5', '1.10.0', '2.0.0', '2.3.1'];

/** Person property values, some of each shape SDKs and the server compare differently. */
export const personPropertiesArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    email: fc.constantFrom(...EMAILS),
    plan: fc.constantFrom(...PLANS),
    age: fc.oneof(fc.constantFrom(12.5, 30.5, 65.25), fc.constantFrom('3', '30', '21', 'abc')),
    country: fc.constantFrom(...COUNTRIES),
    signup: fc.constantFrom(...DATES),
    app_version: fc.constantFrom(...VERSIONS),
    is_beta: fc.constantFrom(true, false, 'true', 'FALSE'),
    nickname: fc.constantFrom(null, 'ace'),
  },
  { requiredKeys: [] },
);

const companyPropertiesArb = fc.record({ size: fc.constantFrom('5', '50', '500'), industry: fc.constantFrom('tech', 'Retail', 'health') }, { requiredKeys: [] });

/** A person with a distinct id, properties, and maybe a company. */
export const personArb: fc.Arbitrary<Person> = fc
  .record({
    distinctId: fc.oneof(fc.constantFrom('user-1', 'user-2', 'user-3', 'user-4', 'u5'), fc.uuid()),
    properties: personPropertiesArb,
    company: fc.option(fc.record({ key: fc.constantFrom('acme', 'globex', 'initech', 'umbrella'), properties: companyPropertiesArb }), { nil: undefined }),
  })
  .map(({ distinctId, properties, company }): Person => ({
    distinctId,
    properties,
    groups: company ? { company: company.key } : ({} as Record<string, string>),
    groupProperties: company ? { company: { $group_key: company.key, ...company.properties } } : {},
  }));

const f = (key: string, operator: string, value: unknown, negation?: boolean): PropertyFilter =>
  negation === undefined ? { key, operator, value, type: 'person' } : { key, operator, value, type: 'person', negation };

/** A person-property filter with an operator SDKs evaluate locally. */
export const personFilterArb: fc.Arbitrary<PropertyFilter> = fc.oneof(
  fc.constantFrom(
    f('email', 'icontains', '@example.com'), f('email', 'not_icontains', '@posthog.com'), f('email', 'regex', '^[a-z]+@posthog\\.com$'),
    f('email', 'not_regex', 'example'), f('email', 'ends_with', '.org'), f('email', 'starts_with', 'MAX'), f('email', 'is_set', 'is_set'),
    f('nickname', 'is_not_set', 'is_not_set'), f('nickname', 'exact', 'null'), f('nickname', 'icontains', 'ac'),
  ),
  fc.constantFrom(f('plan', 'exact', 'pro'), f('plan', 'exact', ['pro', 'enterprise']), f('plan', 'is_not', 'free'), f('plan', 'is_not', ['free', 'team'])),
  fc.tuple(fc.constantFrom('gt', 'gte', 'lt', 'lte'), fc.constantFrom('21', '18', '30.5', 40.5)).map(([op, v]) => f('age', op, v)),
  fc.constantFrom(f('country', 'exact', ['US', 'CA']), f('country', 'is_not', 'FR'), f('country', 'exact', 'de')),
  fc.tuple(fc.constantFrom('is_date_after', 'is_date_before'), fc.constantFrom('2024-01-01', '2023-12-31T12:00:00Z', '-3650d')).map(([op, v]) => f('signup', op, v)),
  fc.tuple(fc.constantFrom('semver_gte', 'semver_lt', 'semver_eq', 'semver_neq', 'semver_tilde', 'semver_caret', 'semver_wildcard'), fc.constantFrom('1.2.0', '1.10.0', '2.0.0', '0.9.1'))
    .map(([op, v]) => f('app_version', op, op === 'semver_wildcard' ? `${v.split('.')[0]}.*` : v)),
  fc.constantFrom(f('is_beta', 'exact', true), f('is_beta', 'exact', 'true'), f('is_beta', 'exact', false), f('is_beta', 'is_not', ['true'])),
);

const groupFilterArb: fc.Arbitrary<PropertyFilter> = fc.constantFrom<PropertyFilter>(
  { key: 'size', operator: 'gte', value: '50', type: 'group', group_type_index: 0 },
  { key: 'industry', operator: 'exact', value: ['tech', 'retail'], type: 'group', group_type_index: 0 },
  { key: 'industry', operator: 'is_not', value: 'health', type: 'group', group_type_index: 0 },
);

const rolloutArb = fc.option(fc.oneof(fc.constantFrom(0, 10, 30, 50, 70, 100), fc.integer({ min: 0, max: 100 })), { nil: undefined });

const variantsArb = fc.constantFrom(
  [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 50 }],
  [{ key: 'control', rollout_percentage: 34 }, { key: 'a', rollout_percentage: 33 }, { key: 'b', rollout_percentage: 33 }],
  [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 30 }, { key: 'test-2', rollout_percentage: 20 }],
);

/** A dynamic cohort: OR of ANDs of (possibly negated) person filters, maybe nesting an earlier cohort. */
function cohortArb(id: number, earlier: readonly number[]): fc.Arbitrary<Cohort> {
  const leaf = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(personFilterArb, fc.boolean()).map(([p, neg]) => ({ ...p, negation: neg })) },
    ...(earlier.length ? [{ weight: 1, arbitrary: fc.tuple(fc.constantFrom(...earlier), fc.boolean()).map(([c, neg]): PropertyFilter => ({ key: 'id', type: 'cohort', value: c, negation: neg })) }] : []),
  );
  return fc
    .array(fc.array(leaf, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 })
    .map((ands): Cohort => ({
      id,
      team_id: 1,
      name: `cohort ${id}`,
      is_static: false,
      deleted: false,
      filters: { properties: { type: 'OR', values: ands.map((values): PropertyGroup => ({ type: 'AND', values })) } },
    }));
}

function flagArb(id: number, cohortIds: readonly number[], options: FlagSetOptions): fc.Arbitrary<FeatureFlag> {
  const isGroup = options.groupFlags !== false ? fc.boolean().map((b) => b && id % 4 === 3) : fc.constant(false);
  return fc
    .record({
      multivariate: fc.option(variantsArb, { nil: undefined }),
      isGroup,
      conditions: fc.array(
        fc.record({
          props: fc.array(personFilterArb, { maxLength: 3 }),
          groupProps: fc.array(groupFilterArb, { maxLength: 2 }),
          cohort: cohortIds.length ? fc.option(fc.tuple(fc.constantFrom(...cohortIds), fc.constantFrom('in', 'not_in', undefined)), { nil: undefined }) : fc.constant(undefined),
          rollout: rolloutArb,
          override: fc.boolean(),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      payload: fc.boolean(),
      holdout: options.holdouts !== false ? fc.option(fc.constantFrom(10, 50), { nil: undefined, freq: 6 }) : fc.constant(undefined),
      continuity: fc.boolean().map((b) => b && id % 7 === 6),
    })
    .map(({ multivariate, isGroup: group, conditions, payload, holdout, continuity }): FeatureFlag => {
      const groups: FlagCondition[] = conditions.map((c) => {
        const properties: PropertyFilter[] = group ? c.groupProps : [...c.props];
        if (!group && c.cohort) properties.push({ key: 'id', type: 'cohort', value: c.cohort[0], ...(c.cohort[1] ? { operator: c.cohort[1] } : {}) });
        const variant = options.variantOverrides !== false && multivariate && c.override ? multivariate[multivariate.length - 1]!.key : undefined;
        return { properties, rollout_percentage: c.rollout ?? null, ...(variant ? { variant } : {}) };
      });
      const payloads: Record<string, string> = {};
      if (payload) for (const k of multivariate ? multivariate.map((v) => v.key) : ['true']) payloads[k] = JSON.stringify({ flag: id, value: k });
      const filters: FlagFilters = {
        groups,
        ...(group ? { aggregation_group_type_index: 0 } : {}),
        ...(multivariate ? { multivariate: { variants: multivariate } } : {}),
        ...(payload ? { payloads } : {}),
        ...(holdout ? { holdout: { id: 900 + id, exclusion_percentage: holdout } } : {}),
      };
      return {
        id,
        team_id: 1,
        key: `flag-${id}`,
        name: `Flag ${id}`,
        active: true,
        deleted: false,
        version: 1,
        ensure_experience_continuity: continuity,
        has_encrypted_payloads: false,
        evaluation_runtime: 'all',
        evaluation_tags: [],
        bucketing_identifier: 'distinct_id',
        filters,
      };
    });
}

/** A team's flags (ids 1..n, keys `flag-<id>`) and the dynamic cohorts (ids 100..) they use. */
export function flagSetArb(options: FlagSetOptions = {}): fc.Arbitrary<FlagSet> {
  return fc
    .record({
      flagCount: fc.integer({ min: options.minFlags ?? 1, max: options.maxFlags ?? 8 }),
      cohortCount: fc.integer({ min: 0, max: options.maxCohorts ?? 3 }),
    })
    .chain(({ flagCount, cohortCount }) => {
      const cohortIds = Array.from({ length: cohortCount }, (_, i) => 100 + i);
      const cohorts = fc.tuple(...cohortIds.map((id, i) => cohortArb(id, cohortIds.slice(0, i))));
      const flags = fc.tuple(...Array.from({ length: flagCount }, (_, i) => flagArb(i + 1, cohortIds, options)));
      return fc.record({ flags: flags.map((fs) => [...fs]), cohorts: cohorts.map((cs) => [...cs]) });
    });
}

/** Arbitrary JSON-ish property values, for "never throws" properties. */
export const anyPropertyValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('true', 'FALSE', '1.2.3', '2024-01-01', '-7d', 'NaN', 'Infinity', '\u0000', '\ud800'),
);
