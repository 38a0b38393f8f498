/**
 * ClickHouse tables (POSTHOG_CONTRACT §6), described once and rendered either for a single node
 * (chDB, one ClickHouse server, ClickHouse Cloud) or for a self-managed cluster (Replicated*
 * engines ON CLUSTER, with a Distributed table in front of the sharded events table).
 */
export interface TableSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly indexes?: readonly string[];
  /** Engine family and its version column, e.g. ['ReplacingMergeTree', 'version']. */
  readonly engine: readonly [family: 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree', versionColumn?: string];
  readonly partitionBy?: string;
  readonly orderBy: string;
  readonly sampleBy?: string;
  /** A TTL expression (rows expire when it passes). */
  readonly ttl?: string;
  readonly settings?: string;
  /** Sharding key: set for tables sharded across a cluster (the others are replicated whole). */
  readonly shardBy?: string;
}

const json = (name: string) => `${name} String CODEC(ZSTD(3))`;
const groupColumns = [0, 1, 2, 3, 4].flatMap((i) => [json(`group${i}_properties`), `group${i}_created_at DateTime64(3, 'UTC')`]);

/**
 * Event properties also kept as columns of their own (PostHog's materialized columns), so that
 * filters and breakdowns on them read a small column instead of parsing `properties`. Each holds
 * exactly what `JSONExtract(properties, key, 'Nullable(String)')` gives, which is how queries read
 * any other property.
 */
export const MATERIALIZED_EVENT_PROPERTIES: ReadonlySet<string> = new Set([
  '$browser',
  '$os',
  '$device_type',
  '$current_url',
  '$pathname',
  '$host',
  '$referring_domain',
  '$screen_name',
  '$lib',
]);

/** The column holding a materialized event property. */
export const materializedPropertyColumn = (key: string): string => `mat_${key}`;

/** An `events` column computed from `properties` at insert, with its definition. */
export interface ColumnFromProperties {
  readonly column: string;
  readonly property: string;
  readonly type: string;
  /** For CREATE and ALTER … MODIFY COLUMN. */
  readonly ddl: string;
}

/**
 * Every `events` column computed from `properties` at insert: the group keys and session ids as
 * `JSONExtractString` gives them ('' when absent), the materialized properties as Nullable.
 */
const COLUMNS: readonly Omit<ColumnFromProperties, 'ddl'>[] = [
  ...['$group_0', '$group_1', '$group_2', '$group_3', '$group_4', '$session_id', '$window_id'].map((key) => ({ column: key, property: key, type: 'String' })),
  ...[...MATERIALIZED_EVENT_PROPERTIES].map((key) => ({ column: materializedPropertyColumn(key), property: key, type: 'Nullable(String)' })),
];

/**
 * One parse of `properties` for all of them: each column takes its element of this one tuple, and
 * ClickHouse computes an expression shared by several columns once per row, where an extraction
 * per column would parse the JSON 16 times (a third of the insert's CPU, measured). A tuple's
 * String and Nullable(String) elements take the values JSONExtractString and JSONExtract(…,
 * 'Nullable(String)') would (test/clickhouse/materialized-properties.test.ts). Adding a column
 * here changes the tuple, so a migration then modifies every one of them.
 */
const PROPERTIES_TUPLE = `JSONExtract(properties, 'Tuple(${COLUMNS.map((c) => `\`${c.property}\` ${c.type}`).join(', ')})')`;

export const EVENT_COLUMNS_FROM_PROPERTIES: readonly ColumnFromProperties[] = COLUMNS.map((c, i) => ({
  ...c,
  ddl: `\`${c.column}\` ${c.type} MATERIALIZED tupleElement(${PROPERTIES_TUPLE}, ${i + 1})`,
}));

/** The column definition of a materialized event property. */
export function materializedPropertyDdl(key: string): string {
  const column = EVENT_COLUMNS_FROM_PROPERTIES.find((c) => c.column === materializedPropertyColumn(key));
  if (!column) throw new Error(`not a materialized event property: ${key}`);
  return column.ddl;
}

export const EVENTS: TableSpec = {
  name: 'events',
  columns: [
    'uuid UUID',
    'event String',
    json('properties'),
    "timestamp DateTime64(6, 'UTC')",
    'team_id Int64',
    'distinct_id String',
    'elements_chain String',
    "created_at DateTime64(6, 'UTC')",
    'person_id UUID',
    "person_created_at DateTime64(3, 'UTC')",
    json('person_properties'),
    ...groupColumns,
    "person_mode Enum8('full' = 0, 'propertyless' = 1, 'force_upgrade' = 2)",
    "inserted_at Nullable(DateTime64(6, 'UTC')) DEFAULT now64(6)",
    '_timestamp DateTime DEFAULT now()',
    '_offset UInt64 DEFAULT 0',
    ...EVENT_COLUMNS_FROM_PROPERTIES.map((c) => c.ddl),
  ],
  indexes: [
    'INDEX uuid_bf uuid TYPE bloom_filter GRANULARITY 4',
    'INDEX session_id_minmax `$session_id` TYPE minmax GRANULARITY 1',
  ],
  engine: ['ReplacingMergeTree', '_timestamp'],
  partitionBy: 'toYYYYMM(timestamp)',
  orderBy: '(team_id, toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))',
  sampleBy: 'cityHash64(distinct_id)',
  shardBy: 'sipHash64(distinct_id)',
};

export const PERSON: TableSpec = {
  name: 'person',
  columns: [
    'id UUID',
    "created_at DateTime64(3, 'UTC')",
    'team_id Int64',
    json('properties'),
    'is_identified Int8',
    'is_deleted Int8 DEFAULT 0',
    'version UInt64',
    '_timestamp DateTime DEFAULT now()',
    '_offset UInt64 DEFAULT 0',
  ],
  engine: ['ReplacingMergeTree', 'version'],
  orderBy: '(team_id, id)',
};

const distinctIdColumns = [
  'team_id Int64',
  'distinct_id String',
  'person_id UUID',
  'is_deleted Int8 DEFAULT 0',
  'version Int64',
  '_timestamp DateTime DEFAULT now()',
  '_offset UInt64 DEFAULT 0',
  '_partition UInt64 DEFAULT 0',
];

export const PERSON_DISTINCT_ID2: TableSpec = {
  name: 'person_distinct_id2',
  columns: distinctIdColumns,
  engine: ['ReplacingMergeTree', 'version'],
  orderBy: '(team_id, distinct_id)',
  settings: 'index_granularity = 512',
};

/** Only mappings that changed after the first (version > 0): re-attributes past events at query time. */
export const PERSON_DISTINCT_ID_OVERRIDES: TableSpec = { ...PERSON_DISTINCT_ID2, name: 'person_distinct_id_overrides' };

export const GROUPS: TableSpec = {
  name: 'groups',
  columns: [
    'group_type_index UInt8',
    'group_key String',
    "created_at DateTime64(3, 'UTC')",
    'team_id Int64',
    json('group_properties'),
    // PostHog versions groups by _timestamp (seconds); we carry Postgres' row version so that two
    // updates within one second resolve in order.
    'version Int64 DEFAULT 0',
    '_timestamp DateTime DEFAULT now()',
    '_offset UInt64 DEFAULT 0',
  ],
  engine: ['ReplacingMergeTree', 'version'],
  orderBy: '(team_id, group_type_index, group_key)',
};

export const INGESTION_WARNINGS: TableSpec = {
  name: 'ingestion_warnings',
  columns: [
    'team_id Int64',
    'source LowCardinality(String)',
    'type String',
    'details String CODEC(ZSTD(3))',
    "timestamp DateTime64(6, 'UTC')",
    '_timestamp DateTime DEFAULT now()',
  ],
  engine: ['MergeTree'],
  partitionBy: 'toYYYYMMDD(timestamp)',
  orderBy: '(team_id, toHour(timestamp), type, source, timestamp)',
};

export const TABLES: readonly TableSpec[] = [EVENTS, PERSON, PERSON_DISTINCT_ID2, PERSON_DISTINCT_ID_OVERRIDES, GROUPS, INGESTION_WARNINGS];

/**
 * Static cohort membership (PostHog's person_static_cohort), written by the cohorts API after
 * Postgres (posthog_cohortpeople) commits; insights read it (lib/query/filters/cohort-membership.ts).
 * PostHog deletes members with a mutation and orders by a random `id` too; here a removal is a row
 * with `is_deleted = 1`, and the order key leaves `id` out so that every row of one member
 * (repeats, tombstones) collapses: the highest `version` is the member's state. Readers must not
 * rely on merges: they take argMax(is_deleted, version) per person. Replicated whole, not sharded.
 */
export const PERSON_STATIC_COHORT: TableSpec = {
  name: 'person_static_cohort',
  columns: [
    'id UUID DEFAULT generateUUIDv4()',
    'person_id UUID',
    'cohort_id Int64',
    'team_id Int64',
    'is_deleted Int8 DEFAULT 0',
    // The Postgres clock (µs) when the membership state written was read: a later read wins.
    'version UInt64',
    '_timestamp DateTime DEFAULT now()',
    '_offset UInt64 DEFAULT 0',
  ],
  engine: ['ReplacingMergeTree', 'version'],
  orderBy: '(team_id, cohort_id, person_id)',
};

/**
 * The team and uuid of every event inserted in the last seven days (longer than a record stays on
 * a stream), kept by a materialized view on `events` (migration 5). The loader looks a batch's
 * uuids up here: the primary key finds them in a few granules (UUIDv7s sort by time), where the
 * `events` table would have to read the uuids of the whole day. Sharded by uuid for inserts
 * through its Distributed table; the view writes to the data table of the event's own shard.
 */
export const EVENT_UUIDS: TableSpec = {
  name: 'event_uuids',
  columns: ['team_id Int64', 'uuid UUID', 'inserted_at DateTime DEFAULT now()'],
  engine: ['MergeTree'],
  orderBy: '(team_id, uuid)',
  ttl: 'inserted_at + INTERVAL 7 DAY',
  settings: 'index_granularity = 1024',
  shardBy: 'cityHash64(uuid)',
};

/** Static cohort membership (migration 4). */
export const STATIC_COHORT_TABLES: readonly TableSpec[] = [PERSON_STATIC_COHORT];

/**
 * A materialized view that feeds `target` from inserts into `source`. `select` names the source as
 * `{source}`; on a cluster both tables are the sharded data tables (same sharding key), so the
 * view runs on the shard that received the rows.
 */
export interface MaterializedViewSpec {
  readonly name: string;
  readonly source: TableSpec;
  readonly target: TableSpec;
  readonly select: string;
}

export const EVENT_UUIDS_MV: MaterializedViewSpec = {
  name: 'event_uuids_mv',
  source: EVENTS,
  target: EVENT_UUIDS,
  select: 'SELECT team_id, uuid FROM {source}',
};

function tail(spec: TableSpec): string {
  return [
    spec.partitionBy && `PARTITION BY ${spec.partitionBy}`,
    `ORDER BY ${spec.orderBy}`,
    spec.sampleBy && `SAMPLE BY ${spec.sampleBy}`,
    spec.ttl && `TTL ${spec.ttl}`,
    spec.settings && `SETTINGS ${spec.settings}`,
  ]
    .filter(Boolean)
    .join('\n');
}

function body(spec: TableSpec): string {
  return [...spec.columns, ...(spec.indexes ?? [])].map((c) => `  ${c}`).join(',\n');
}

/** CREATE TABLE for one node. */
export function singleNodeDdl(spec: TableSpec): string {
  const [family, version] = spec.engine;
  return `CREATE TABLE IF NOT EXISTS ${spec.name} (\n${body(spec)}\n) ENGINE = ${family}(${version ?? ''})\n${tail(spec)}`;
}

/**
 * CREATE TABLE statements for a cluster named `cluster` (macros {shard} and {replica} set on
 * each node). Sharded tables get a `sharded_<name>` data table and a Distributed `<name>`.
 */
export function clusterDdl(spec: TableSpec, cluster: string, database: string): string[] {
  const [family, version] = spec.engine;
  const dataTable = spec.shardBy ? `sharded_${spec.name}` : spec.name;
  const zkPath = `'/clickhouse/tables/{shard}/${database}.${dataTable}'`;
  const shardPath = spec.shardBy ? zkPath : `'/clickhouse/tables/noshard/${database}.${dataTable}'`;
  const engine = `Replicated${family}(${[shardPath, "'{replica}'", version].filter(Boolean).join(', ')})`;
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${database}.${dataTable} ON CLUSTER '${cluster}' (\n${body(spec)}\n) ENGINE = ${engine}\n${tail(spec)}`,
  ];
  if (spec.shardBy) {
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${database}.${spec.name} ON CLUSTER '${cluster}' AS ${database}.${dataTable}\n` +
        `ENGINE = Distributed('${cluster}', '${database}', '${dataTable}', ${spec.shardBy})`,
    );
  }
  return statements;
}

/** The data table a spec's rows live in on a cluster (`sharded_<name>` for sharded tables). */
function dataTableOf(spec: TableSpec): string {
  return spec.shardBy ? `sharded_${spec.name}` : spec.name;
}

/** CREATE MATERIALIZED VIEW for one node. */
export function singleNodeViewDdl(view: MaterializedViewSpec): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${view.name} TO ${view.target.name} AS\n${view.select.replace('{source}', view.source.name)}`;
}

/** CREATE MATERIALIZED VIEW on every node of a cluster, between the data tables of its shard. */
export function clusterViewDdl(view: MaterializedViewSpec, cluster: string, database: string): string {
  const source = `${database}.${dataTableOf(view.source)}`;
  return (
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.${view.name} ON CLUSTER '${cluster}' TO ${database}.${dataTableOf(view.target)} AS\n` +
    view.select.replace('{source}', source)
  );
}
