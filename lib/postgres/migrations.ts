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
];
