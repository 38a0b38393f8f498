/**
 * Postgres schema, as ordered migrations. Table and column names follow PostHog's Django models
 * (posthog_team, posthog_person, ...). Lists and maps are jsonb, never arrays, so that every
 * adapter (node-postgres, PGlite, the RDS Data API) passes and reads them the same way.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts',
    statements: [
      `CREATE TABLE posthog_organization (
         id uuid PRIMARY KEY,
         name text NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE posthog_user (
         id bigserial PRIMARY KEY,
         uuid uuid NOT NULL UNIQUE,
         email text NOT NULL UNIQUE,
         first_name text NOT NULL DEFAULT '',
         organization_id uuid NOT NULL REFERENCES posthog_organization(id),
         created_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE posthog_team (
         id bigserial PRIMARY KEY,
         uuid uuid NOT NULL UNIQUE,
         organization_id uuid NOT NULL REFERENCES posthog_organization(id),
         name text NOT NULL,
         api_token text NOT NULL UNIQUE,
         secret_api_token text UNIQUE,
         timezone text NOT NULL DEFAULT 'UTC',
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE posthog_personalapikey (
         id text PRIMARY KEY,
         user_id bigint NOT NULL REFERENCES posthog_user(id) ON DELETE CASCADE,
         label text NOT NULL,
         secure_value text NOT NULL UNIQUE,
         mask_value text NOT NULL,
         scopes jsonb NOT NULL DEFAULT '["*"]',
         scoped_teams jsonb,
         scoped_organizations jsonb,
         created_at timestamptz NOT NULL DEFAULT now(),
         last_used_at timestamptz)`,
    ],
  },
  {
    version: 2,
    name: 'persons_and_groups',
    statements: [
      `CREATE TABLE posthog_person (
         id bigserial PRIMARY KEY,
         uuid uuid NOT NULL,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         properties jsonb NOT NULL DEFAULT '{}',
         is_identified boolean NOT NULL DEFAULT false,
         created_at timestamptz NOT NULL DEFAULT now(),
         version bigint NOT NULL DEFAULT 0,
         UNIQUE (team_id, uuid))`,
      `CREATE TABLE posthog_persondistinctid (
         id bigserial PRIMARY KEY,
         team_id bigint NOT NULL,
         person_id bigint NOT NULL REFERENCES posthog_person(id) ON DELETE CASCADE,
         distinct_id text NOT NULL,
         version bigint NOT NULL DEFAULT 0,
         UNIQUE (team_id, distinct_id))`,
      `CREATE INDEX posthog_persondistinctid_person ON posthog_persondistinctid (person_id)`,
      `CREATE TABLE posthog_personlessdistinctid (
         team_id bigint NOT NULL,
         distinct_id text NOT NULL,
         is_merged boolean NOT NULL DEFAULT false,
         created_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (team_id, distinct_id))`,
      `CREATE TABLE posthog_grouptypemapping (
         id bigserial PRIMARY KEY,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         group_type text NOT NULL,
         group_type_index integer NOT NULL CHECK (group_type_index BETWEEN 0 AND 4),
         name_singular text,
         name_plural text,
         UNIQUE (team_id, group_type),
         UNIQUE (team_id, group_type_index))`,
      `CREATE TABLE posthog_group (
         id bigserial PRIMARY KEY,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         group_type_index integer NOT NULL,
         group_key text NOT NULL,
         group_properties jsonb NOT NULL DEFAULT '{}',
         created_at timestamptz NOT NULL DEFAULT now(),
         version bigint NOT NULL DEFAULT 0,
         UNIQUE (team_id, group_type_index, group_key))`,
    ],
  },
  {
    version: 3,
    name: 'feature_flags_and_cohorts',
    statements: [
      // A key is unique among a team's live flags only: a soft-deleted flag frees its key.
      `CREATE TABLE posthog_featureflag (
         id serial PRIMARY KEY,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         key varchar(400) NOT NULL,
         name text NOT NULL DEFAULT '',
         filters jsonb NOT NULL DEFAULT '{}',
         active boolean NOT NULL DEFAULT true,
         deleted boolean NOT NULL DEFAULT false,
         version integer NOT NULL DEFAULT 1,
         ensure_experience_continuity boolean NOT NULL DEFAULT false,
         has_encrypted_payloads boolean NOT NULL DEFAULT false,
         evaluation_runtime text NOT NULL DEFAULT 'all' CHECK (evaluation_runtime IN ('all', 'client', 'server')),
         evaluation_tags jsonb NOT NULL DEFAULT '[]',
         tags jsonb NOT NULL DEFAULT '[]',
         bucketing_identifier text NOT NULL DEFAULT 'distinct_id' CHECK (bucketing_identifier IN ('distinct_id', 'device_id')),
         created_at timestamptz NOT NULL DEFAULT now(),
         created_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL,
         updated_at timestamptz NOT NULL DEFAULT now(),
         last_modified_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL)`,
      `CREATE UNIQUE INDEX posthog_featureflag_live_key ON posthog_featureflag (team_id, key) WHERE NOT deleted`,
      `CREATE INDEX posthog_featureflag_team ON posthog_featureflag (team_id, created_at)`,
      // Every saved version of a flag, whole (the API's versions and activity history).
      `CREATE TABLE posthog_featureflagversion (
         id bigserial PRIMARY KEY,
         team_id bigint NOT NULL,
         feature_flag_id integer NOT NULL REFERENCES posthog_featureflag(id) ON DELETE CASCADE,
         version integer NOT NULL,
         activity text NOT NULL,
         definition jsonb NOT NULL,
         created_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         UNIQUE (feature_flag_id, version))`,
      `CREATE TABLE posthog_cohort (
         id serial PRIMARY KEY,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         name varchar(400),
         description varchar(1000) NOT NULL DEFAULT '',
         filters jsonb,
         is_static boolean NOT NULL DEFAULT false,
         deleted boolean NOT NULL DEFAULT false,
         version integer NOT NULL DEFAULT 1,
         count integer,
         created_at timestamptz NOT NULL DEFAULT now(),
         created_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL,
         updated_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE INDEX posthog_cohort_team ON posthog_cohort (team_id, created_at)`,
      // Static cohort membership (uploaded lists).
      `CREATE TABLE posthog_cohortpeople (
         id bigserial PRIMARY KEY,
         team_id bigint NOT NULL,
         cohort_id integer NOT NULL REFERENCES posthog_cohort(id) ON DELETE CASCADE,
         person_id bigint NOT NULL REFERENCES posthog_person(id) ON DELETE CASCADE,
         UNIQUE (cohort_id, person_id))`,
      `CREATE INDEX posthog_cohortpeople_person ON posthog_cohortpeople (team_id, person_id)`,
      // Experience continuity (contract §3.9): the hash key a person's flag is bucketed on.
      `CREATE TABLE posthog_featureflaghashkeyoverride (
         id bigserial PRIMARY KEY,
         team_id bigint NOT NULL,
         person_id bigint NOT NULL REFERENCES posthog_person(id) ON DELETE CASCADE,
         feature_flag_key varchar(400) NOT NULL,
         hash_key varchar(400) NOT NULL,
         UNIQUE (team_id, person_id, feature_flag_key))`,
      `CREATE INDEX posthog_featureflaghashkeyoverride_person ON posthog_featureflaghashkeyoverride (person_id)`,
      // Bumped by every write to a team's flags or cohorts: what /flags caches and ETags key on.
      `CREATE TABLE hedgerow_flagdefinitionsversion (
         team_id bigint PRIMARY KEY REFERENCES posthog_team(id) ON DELETE CASCADE,
         version bigint NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now())`,
    ],
  },
  {
    version: 4,
    name: 'session_replay_settings',
    statements: [
      // Recording is off until a project opts in (the remote config then turns posthog-js' recorder on).
      `ALTER TABLE posthog_team ADD COLUMN IF NOT EXISTS session_recording_opt_in boolean NOT NULL DEFAULT false`,
      // Days a recording is kept; one of 30, 90, 365, 1825 (each is a blob-store prefix with its own lifecycle rule).
      `ALTER TABLE posthog_team ADD COLUMN IF NOT EXISTS session_recording_retention_period_days integer NOT NULL DEFAULT 30
         CHECK (session_recording_retention_period_days IN (30, 90, 365, 1825))`,
    ],
  },
  {
    version: 5,
    name: 'insights_dashboards_actions_annotations',
    statements: [
      // Actions: named sets of steps (ORed) that queries match events against (lib/query/types.ts ActionStep).
      `CREATE TABLE posthog_action (
         id serial PRIMARY KEY,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         name varchar(400),
         description text NOT NULL DEFAULT '',
         steps_json jsonb NOT NULL DEFAULT '[]',
         tags jsonb NOT NULL DEFAULT '[]',
         post_to_slack boolean NOT NULL DEFAULT false,
         slack_message_format varchar(1200) NOT NULL DEFAULT '',
         pinned_at timestamptz,
         deleted boolean NOT NULL DEFAULT false,
         created_at timestamptz NOT NULL DEFAULT now(),
         created_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL,
         updated_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE INDEX posthog_action_team ON posthog_action (team_id, created_at)`,
      // Saved insights (PostHog's model is still named DashboardItem).
      `CREATE TABLE posthog_dashboarditem (
         id serial PRIMARY KEY,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         short_id varchar(12) NOT NULL,
         name varchar(400),
         derived_name varchar(400),
         description varchar(400) NOT NULL DEFAULT '',
         query jsonb,
         filters jsonb NOT NULL DEFAULT '{}',
         favorited boolean NOT NULL DEFAULT false,
         saved boolean NOT NULL DEFAULT false,
         tags jsonb NOT NULL DEFAULT '[]',
         deleted boolean NOT NULL DEFAULT false,
         last_refresh timestamptz,
         created_at timestamptz NOT NULL DEFAULT now(),
         created_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL,
         last_modified_at timestamptz NOT NULL DEFAULT now(),
         last_modified_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL,
         UNIQUE (team_id, short_id))`,
      `CREATE INDEX posthog_dashboarditem_team ON posthog_dashboarditem (team_id, last_modified_at)`,
      `CREATE TABLE posthog_dashboard (
         id serial PRIMARY KEY,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         name varchar(400),
         description text NOT NULL DEFAULT '',
         pinned boolean NOT NULL DEFAULT false,
         filters jsonb NOT NULL DEFAULT '{}',
         variables jsonb NOT NULL DEFAULT '{}',
         tags jsonb NOT NULL DEFAULT '[]',
         deleted boolean NOT NULL DEFAULT false,
         created_at timestamptz NOT NULL DEFAULT now(),
         created_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL,
         last_accessed_at timestamptz)`,
      `CREATE INDEX posthog_dashboard_team ON posthog_dashboard (team_id, created_at)`,
      // Text cards of dashboards.
      `CREATE TABLE posthog_text (
         id serial PRIMARY KEY,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         body varchar(4000),
         created_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL,
         last_modified_at timestamptz NOT NULL DEFAULT now(),
         last_modified_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL)`,
      // A tile shows either an insight or a text on a dashboard.
      `CREATE TABLE posthog_dashboardtile (
         id serial PRIMARY KEY,
         dashboard_id integer NOT NULL REFERENCES posthog_dashboard(id) ON DELETE CASCADE,
         insight_id integer REFERENCES posthog_dashboarditem(id) ON DELETE CASCADE,
         text_id integer REFERENCES posthog_text(id) ON DELETE CASCADE,
         layouts jsonb NOT NULL DEFAULT '{}',
         color varchar(400),
         deleted boolean NOT NULL DEFAULT false,
         CHECK ((insight_id IS NULL) <> (text_id IS NULL)))`,
      `CREATE UNIQUE INDEX posthog_dashboardtile_insight ON posthog_dashboardtile (dashboard_id, insight_id) WHERE insight_id IS NOT NULL`,
      `CREATE INDEX posthog_dashboardtile_insight_id ON posthog_dashboardtile (insight_id)`,
      `CREATE TABLE posthog_annotation (
         id serial PRIMARY KEY,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         organization_id uuid REFERENCES posthog_organization(id) ON DELETE CASCADE,
         content varchar(400),
         date_marker timestamptz,
         scope text NOT NULL DEFAULT 'dashboard_item' CHECK (scope IN ('dashboard_item', 'dashboard', 'project', 'organization', 'recording')),
         dashboard_item_id integer REFERENCES posthog_dashboarditem(id) ON DELETE SET NULL,
         dashboard_id integer REFERENCES posthog_dashboard(id) ON DELETE SET NULL,
         creation_type text NOT NULL DEFAULT 'USR' CHECK (creation_type IN ('USR', 'GIT')),
         deleted boolean NOT NULL DEFAULT false,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now(),
         created_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL)`,
      `CREATE INDEX posthog_annotation_team ON posthog_annotation (team_id, date_marker)`,
      `CREATE INDEX posthog_annotation_organization ON posthog_annotation (organization_id) WHERE scope = 'organization'`,
    ],
  },
  {
    version: 6,
    name: 'project_settings',
    statements: [
      // PostHog's "filter out internal and test users": the property filters insights apply when
      // asked to (filterTestAccounts). New and existing projects start with PostHog's default.
      `ALTER TABLE posthog_team ADD COLUMN IF NOT EXISTS test_account_filters jsonb NOT NULL
         DEFAULT '[{"key": "$host", "type": "event", "value": "^(localhost|127\\\\.0\\\\.0\\\\.1)($|:)", "operator": "not_regex"}]'`,
      // Path cleaning rules ({alias, regex}) that PathsQuery applies with pathReplacements.
      `ALTER TABLE posthog_team ADD COLUMN IF NOT EXISTS path_cleaning_filters jsonb NOT NULL DEFAULT '[]'`,
    ],
  },
  {
    version: 7,
    name: 'insight_variables',
    statements: [
      // SQL variables of a project, named in HogQL as {variables.code_name}. The code name is
      // derived from the name once, at creation, so renaming a variable keeps queries working.
      `CREATE TABLE posthog_insightvariable (
         id uuid PRIMARY KEY,
         team_id bigint NOT NULL REFERENCES posthog_team(id) ON DELETE CASCADE,
         name varchar(400) NOT NULL,
         code_name varchar(400) NOT NULL,
         type varchar(128) NOT NULL CHECK (type IN ('String', 'Number', 'Boolean', 'List', 'Date')),
         default_value jsonb,
         "values" jsonb,
         created_at timestamptz NOT NULL DEFAULT now(),
         created_by_id bigint REFERENCES posthog_user(id) ON DELETE SET NULL,
         updated_at timestamptz NOT NULL DEFAULT now(),
         UNIQUE (team_id, code_name))`,
    ],
  },
];
