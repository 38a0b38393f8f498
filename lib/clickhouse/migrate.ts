import type { AnalyticsStore } from '../ports/analytics-store';
import {
  EVENT_COLUMNS_FROM_PROPERTIES,
  EVENT_UUIDS,
  EVENT_UUIDS_MV,
  STATIC_COHORT_TABLES,
  TABLES,
  clusterDdl,
  clusterViewDdl,
  singleNodeDdl,
  singleNodeViewDdl,
  MATERIALIZED_EVENT_PROPERTIES,
  materializedPropertyColumn,
  materializedPropertyDdl,
  type ColumnFromProperties,
  type MaterializedViewSpec,
  type TableSpec,
} from './schema';
import { REPLAY_TABLES, REPLAY_VIEWS } from './replay-schema';

export interface ClickHouseMigration {
  readonly version: number;
  readonly name: string;
  readonly tables: readonly TableSpec[];
  /** Created after the tables. */
  readonly views?: readonly MaterializedViewSpec[];
  /** Changes to existing tables, run after the views (each statement safe to repeat). */
  readonly alter?: (topology: ClickHouseTopology) => string[];
}

export const CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  { version: 1, name: 'ingestion_tables', tables: TABLES },
  { version: 2, name: 'session_replay', tables: REPLAY_TABLES, views: REPLAY_VIEWS },
  // Tables created by version 1 since have these columns already; this adds them to older ones.
  { version: 3, name: 'materialized_event_properties', tables: [], alter: materializedPropertyColumns },
  { version: 4, name: 'person_static_cohort', tables: STATIC_COHORT_TABLES },
  { version: 5, name: 'event_uuids', tables: [EVENT_UUIDS], views: [EVENT_UUIDS_MV], alter: eventUuidsBackfill },
  // Tables created by version 1 since compute them so already; this changes older ones.
  { version: 6, name: 'columns_from_one_properties_parse', tables: [], alter: columnsFromOnePropertiesParse },
];

/**
 * The columns computed from `properties` take their values from one parse of it (schema.ts). Only
 * the expressions change: rows already stored keep their values (no mutation), which are the same.
 * On a cluster the Distributed table copied the data table's expressions when it was created
 * (the materialized properties added later are plain columns there).
 */
function columnsFromOnePropertiesParse({ cluster, database = 'default' }: ClickHouseTopology): string[] {
  const modify = (columns: readonly ColumnFromProperties[]) => columns.map((c) => `MODIFY COLUMN ${c.ddl}`).join(', ');
  if (!cluster) return [`ALTER TABLE events ${modify(EVENT_COLUMNS_FROM_PROPERTIES)}`];
  return [
    `ALTER TABLE ${database}.sharded_events ON CLUSTER '${cluster}' ${modify(EVENT_COLUMNS_FROM_PROPERTIES)}`,
    `ALTER TABLE ${database}.events ON CLUSTER '${cluster}' ${modify(EVENT_COLUMNS_FROM_PROPERTIES.filter((c) => !MATERIALIZED_EVENT_PROPERTIES.has(c.property)))}`,
  ];
}

/**
 * The uuids of the events inserted in the last seven days before the view existed. Repeating it
 * (or overlapping the view) only adds rows that say the same thing.
 */
function eventUuidsBackfill({ cluster, database = 'default' }: ClickHouseTopology): string[] {
  const db = cluster ? `${database}.` : '';
  return [`INSERT INTO ${db}event_uuids (team_id, uuid, inserted_at) SELECT team_id, uuid, _timestamp FROM ${db}events WHERE _timestamp > now() - INTERVAL 7 DAY`];
}

/** ALTERs adding the materialized event properties (on a cluster: the data table, and the Distributed one). */
function materializedPropertyColumns({ cluster, database = 'default' }: ClickHouseTopology): string[] {
  return [...MATERIALIZED_EVENT_PROPERTIES].flatMap((key) =>
    cluster
      ? [
          `ALTER TABLE ${database}.sharded_events ON CLUSTER '${cluster}' ADD COLUMN IF NOT EXISTS ${materializedPropertyDdl(key)}`,
          `ALTER TABLE ${database}.events ON CLUSTER '${cluster}' ADD COLUMN IF NOT EXISTS \`${materializedPropertyColumn(key)}\` Nullable(String)`,
        ]
      : [`ALTER TABLE events ADD COLUMN IF NOT EXISTS ${materializedPropertyDdl(key)}`],
  );
}

export interface ClickHouseTopology {
  /** A self-managed cluster's name; absent for a single node, chDB or ClickHouse Cloud. */
  readonly cluster?: string;
  /** @default 'default' */
  readonly database?: string;
}

/** The statements a migration runs, for a single node or a cluster. */
export function migrationStatements(migration: ClickHouseMigration, topology: ClickHouseTopology = {}): string[] {
  const { cluster, database = 'default' } = topology;
  return [
    ...migration.tables.flatMap((t) => (cluster ? clusterDdl(t, cluster, database) : [singleNodeDdl(t)])),
    ...(migration.views ?? []).map((v) => (cluster ? clusterViewDdl(v, cluster, database) : singleNodeViewDdl(v))),
    ...(migration.alter?.(topology) ?? []),
  ];
}

/**
 * Applies pending ClickHouse migrations. DDL is idempotent (IF NOT EXISTS), so a crash between a
 * statement and the bookkeeping row only repeats harmless statements. Returns the versions applied.
 */
export async function migrateClickHouse(
  store: AnalyticsStore,
  topology: ClickHouseTopology = {},
  migrations: readonly ClickHouseMigration[] = CLICKHOUSE_MIGRATIONS,
): Promise<number[]> {
  await store.command(
    'CREATE TABLE IF NOT EXISTS hedgerow_migrations (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version',
  );
  const done = new Set((await store.query<{ version: number }>('SELECT version FROM hedgerow_migrations')).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    for (const statement of migrationStatements(migration, topology)) await store.command(statement);
    await store.insert('hedgerow_migrations', [{ version: migration.version, name: migration.name }]);
    applied.push(migration.version);
  }
  return applied;
}
