/**
 * Printer golden tests: HogQL in, exact ClickHouse SQL out (team 7, UTC, now = 2024-01-10 12:00Z).
 * `<events>` and `<persons>` stand for the team-constrained subqueries over the physical tables,
 * checked once in full below.
 */
import { loadHogQLParser, parseSelect } from '../../lib/hogql/parse';
import { HogQLPrinter } from '../../lib/hogql/printer';
import { EVENTS_TABLE, PERSONS_TABLE } from '../../lib/hogql/schema';
import { printHogQLExpression } from '../../lib/hogql';

beforeAll(() => loadHogQLParser());

function print(query: string): string {
  const printer = new HogQLPrinter({
    teamId: 7,
    timezone: 'UTC',
    now: new Date('2024-01-10T12:00:00Z'),
    values: { name: "it's", ids: ['a', 'b'], n: 3 },
    filters: null,
  });
  return printer
    .printTopLevel(parseSelect(query))
    .sql.split(`(${EVENTS_TABLE.wrap(7, '')})`)
    .join('<events>')
    .split(`(${PERSONS_TABLE.wrap(7, '')})`)
    .join('<persons>');
}

const GOLDEN: [hogql: string, clickhouse: string][] = [
  ["select event from events","SELECT `events`.`event` AS `event` FROM <events> AS `events`"],
  ["select event, count() from events group by event order by count() desc limit 10","SELECT `events`.`event` AS `event`, count() AS `count()` FROM <events> AS `events` GROUP BY `events`.`event` ORDER BY count() DESC LIMIT 10"],
  ["select e.event, e.timestamp from events as e where e.distinct_id = 'a' offset 5","SELECT `e`.`event` AS `event`, `e`.`timestamp` AS `timestamp` FROM <events> AS `e` WHERE equals(`e`.`distinct_id`, 'a') OFFSET 5"],
  ["select properties.$browser from events","SELECT replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`properties`, '$browser'), ''), 'null'), '^\"|\"$', '') AS `$browser` FROM <events> AS `events`"],
  ["select properties.$browser as browser from events where browser = 'Chrome'","SELECT replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`properties`, '$browser'), ''), 'null'), '^\"|\"$', '') AS `browser` FROM <events> AS `events` WHERE equals(`browser`, 'Chrome')"],
  ["select properties.a.b from events","SELECT replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`properties`, 'a', 'b'), ''), 'null'), '^\"|\"$', '') AS `b` FROM <events> AS `events`"],
  ["select person.properties.email, person.id, person.created_at from events","SELECT replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`person_properties`, 'email'), ''), 'null'), '^\"|\"$', '') AS `email`, `events`.`person_id` AS `id`, `events`.`person_created_at` AS `created_at` FROM <events> AS `events`"],
  ["select * from events","SELECT `events`.`uuid` AS `uuid`, `events`.`event` AS `event`, `events`.`properties` AS `properties`, `events`.`timestamp` AS `timestamp`, `events`.`distinct_id` AS `distinct_id`, `events`.`elements_chain` AS `elements_chain`, `events`.`created_at` AS `created_at`, `events`.`$session_id` AS `$session_id`, `events`.`$window_id` AS `$window_id`, `events`.`person_id` AS `person_id`, `events`.`$group_0` AS `$group_0`, `events`.`$group_1` AS `$group_1`, `events`.`$group_2` AS `$group_2`, `events`.`$group_3` AS `$group_3`, `events`.`$group_4` AS `$group_4` FROM <events> AS `events`"],
  ["select * from persons where properties.email ilike '%@x.com'","SELECT `persons`.`id` AS `id`, `persons`.`properties` AS `properties`, `persons`.`created_at` AS `created_at`, `persons`.`is_identified` AS `is_identified` FROM <persons> AS `persons` WHERE ilike(replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`persons`.`properties`, 'email'), ''), 'null'), '^\"|\"$', ''), '%@x.com')"],
  ["select id from persons","SELECT `persons`.`id` AS `id` FROM <persons> AS `persons`"],
  ["select event from events where event in ('a', 'b') and distinct_id not in (select distinct_id from events)","SELECT `events`.`event` AS `event` FROM <events> AS `events` WHERE and(in(`events`.`event`, tuple('a', 'b')), notIn(`events`.`distinct_id`, (SELECT `events`.`distinct_id` AS `distinct_id` FROM <events> AS `events`)))"],
  ["select count() from events where timestamp between '2024-01-01' and '2024-01-31'","SELECT count() AS `count()` FROM <events> AS `events` WHERE (`events`.`timestamp` BETWEEN '2024-01-01' AND '2024-01-31')"],
  ["select event from events where event like 'x%' or event not like 'y%' or event ilike 'z%' or event not ilike 'w'","SELECT `events`.`event` AS `event` FROM <events> AS `events` WHERE or(like(`events`.`event`, 'x%'), notLike(`events`.`event`, 'y%'), ilike(`events`.`event`, 'z%'), notILike(`events`.`event`, 'w'))"],
  ["select event from events where event =~ '^a' and event !~ 'b' and event =~* 'c'","SELECT `events`.`event` AS `event` FROM <events> AS `events` WHERE and(match(`events`.`event`, '^a'), not(match(`events`.`event`, 'b')), match(`events`.`event`, concat('(?i)', 'c')))"],
  ["select 1 + 2 * 3 - 4 / 5 % 6","SELECT minus(plus(1, multiply(2, 3)), modulo(divide(4, 5), 6)) AS `minus(plus(1, multiply(2, 3)), modulo(divide(4, 5), 6))`"],
  ["select 1 = 1, 1 != 2, 1 < 2, 1 > 2, 1 <= 2, 1 >= 2","SELECT equals(1, 1) AS `1 == 1`, notEquals(1, 2) AS `1 != 2`, less(1, 2) AS `1 < 2`, greater(1, 2) AS `1 > 2`, lessOrEquals(1, 2) AS `1 <= 2`, greaterOrEquals(1, 2) AS `1 >= 2`"],
  ["select properties.n > 10, properties.flag = true from events","SELECT greater(toFloat64OrNull(replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`properties`, 'n'), ''), 'null'), '^\"|\"$', '')), 10) AS `properties.n > 10`, equals(toBool(replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`properties`, 'flag'), ''), 'null'), '^\"|\"$', '')), true) AS `properties.flag == true` FROM <events> AS `events`"],
  ["select event from events where properties.x is null and properties.y is not null","SELECT `events`.`event` AS `event` FROM <events> AS `events` WHERE and(isNull(replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`properties`, 'x'), ''), 'null'), '^\"|\"$', '')), isNotNull(replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`properties`, 'y'), ''), 'null'), '^\"|\"$', '')))"],
  ["select case when event = 'a' then 1 when event = 'b' then 2 else 3 end from events","SELECT multiIf(equals(`events`.`event`, 'a'), 1, equals(`events`.`event`, 'b'), 2, 3) AS `multiIf(event == \\'a\\', 1, event == \\'b\\', 2, 3)` FROM <events> AS `events`"],
  ["select if(event = 'a', 1, 0), event = 'a' ? 'yes' : 'no' from events","SELECT if(equals(`events`.`event`, 'a'), 1, 0) AS `if(event == \\'a\\', 1, 0)`, if(equals(`events`.`event`, 'a'), 'yes', 'no') AS `if(event == \\'a\\', \\'yes\\', \\'no\\')` FROM <events> AS `events`"],
  ["select [1, 2, 3], (1, 'a'), [1, 2][1], (1, 2).2","SELECT [1, 2, 3] AS `[1, 2, 3]`, tuple(1, 'a') AS `tuple(1, \\'a\\')`, arrayElement([1, 2], 1) AS `[1, 2][1]`, tupleElement(tuple(1, 2), 2) AS `tuple(1, 2).2`"],
  ["select arrayMap(x -> x * 2, [1, 2]), arrayFilter((x, i) -> x > i, [1, 2], [0, 3])","SELECT arrayMap((`x`) -> multiply(`x`, 2), [1, 2]) AS `arrayMap(x -> multiply(x, 2), [1, 2])`, arrayFilter((`x`, `i`) -> greater(`x`, `i`), [1, 2], [0, 3]) AS `arrayFilter(x, i -> x > i, [1, 2], [0, 3])`"],
  ["select count(distinct distinct_id), uniq(distinct_id), quantile(0.9)(properties.n) from events","SELECT count(DISTINCT `events`.`distinct_id`) AS `count(DISTINCT distinct_id)`, uniq(`events`.`distinct_id`) AS `uniq(distinct_id)`, quantile(0.9)(replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`properties`, 'n'), ''), 'null'), '^\"|\"$', '')) AS `quantile(0.9)(properties.n)` FROM <events> AS `events`"],
  ["select countIf(event = 'a'), count() filter (where event = 'b') from events","SELECT countIf(equals(`events`.`event`, 'a')) AS `countIf(event == \\'a\\')`, countIf(equals(`events`.`event`, 'b')) AS `count()` FROM <events> AS `events`"],
  ["select toStartOfDay(timestamp), toStartOfWeek(timestamp), dateDiff('day', timestamp, now()), today() from events","SELECT toStartOfDay(`events`.`timestamp`) AS `toStartOfDay(timestamp)`, toStartOfWeek(`events`.`timestamp`) AS `toStartOfWeek(timestamp)`, dateDiff('day', `events`.`timestamp`, fromUnixTimestamp64Milli(1704888000000, 'UTC')) AS `dateDiff(\\'day\\', timestamp, now())`, toDate(fromUnixTimestamp64Milli(1704888000000, 'UTC'), 'UTC') AS `today()` FROM <events> AS `events`"],
  ["select toDateTime('2024-01-01 00:00:00'), toDateTime('2024-01-01', 'Europe/Paris'), interval 7 day","SELECT toDateTime('2024-01-01 00:00:00', 'UTC') AS `toDateTime(\\'2024-01-01 00:00:00\\')`, toDateTime('2024-01-01', 'Europe/Paris') AS `toDateTime(\\'2024-01-01\\', \\'Europe/Paris\\')`, toIntervalDay(7) AS `toIntervalDay(7)`"],
  ["select event from events where timestamp > now() - interval 1 hour","SELECT `events`.`event` AS `event` FROM <events> AS `events` WHERE greater(`events`.`timestamp`, minus(fromUnixTimestamp64Milli(1704888000000, 'UTC'), toIntervalHour(1)))"],
  ["select e.event, p.properties.email from events e left join persons p on e.person_id = p.id","SELECT `e`.`event` AS `event`, replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`p`.`properties`, 'email'), ''), 'null'), '^\"|\"$', '') AS `email` FROM <events> AS `e` LEFT JOIN <persons> AS `p` ON equals(`e`.`person_id`, `p`.`id`)"],
  ["select a.event from events a inner join events b using (uuid)","SELECT `a`.`event` AS `event` FROM <events> AS `a` INNER JOIN <events> AS `b` USING (`uuid`)"],
  ["select event from events union all select distinct_id from events","SELECT `events`.`event` AS `event` FROM <events> AS `events` UNION ALL SELECT `events`.`distinct_id` AS `distinct_id` FROM <events> AS `events`"],
  ["with pv as (select distinct_id from events where event = '$pageview') select count() from pv","SELECT count() AS `count()` FROM (SELECT `events`.`distinct_id` AS `distinct_id` FROM <events> AS `events` WHERE equals(`events`.`event`, '$pageview')) AS `pv`"],
  ["with 5 as five select five + 1","SELECT plus((5), 1) AS `plus(five, 1)`"],
  ["select c from (select count() as c from events) as s where c > 1","SELECT `s`.`c` AS `c` FROM (SELECT count() AS `c` FROM <events> AS `events`) AS `s` WHERE greater(`s`.`c`, 1)"],
  ["select s.props.$os from (select properties as props from events) as s","SELECT replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`s`.`props`, '$os'), ''), 'null'), '^\"|\"$', '') AS `$os` FROM (SELECT `events`.`properties` AS `props` FROM <events> AS `events`) AS `s`"],
  ["select row_number() over (partition by distinct_id order by timestamp desc) from events","SELECT row_number() OVER (PARTITION BY `events`.`distinct_id` ORDER BY `events`.`timestamp` DESC) AS `row_number() OVER (...)` FROM <events> AS `events`"],
  ["select event, sum(1) over w from events window w as (partition by event)","SELECT `events`.`event` AS `event`, sum(1) OVER `w` AS `sum(1) OVER (...)` FROM <events> AS `events` WINDOW `w` AS (PARTITION BY `events`.`event`)"],
  ["select event from events where event = {name} and distinct_id in {ids} limit {n}","SELECT `events`.`event` AS `event` FROM <events> AS `events` WHERE and(equals(`events`.`event`, 'it\\'s'), in(`events`.`distinct_id`, tuple('a', 'b'))) LIMIT 3"],
  ["select number from numbers(10)","SELECT `numbers`.`number` AS `number` FROM numbers(10) AS `numbers`"],
  ["select distinct event from events limit 1 by event","SELECT DISTINCT `events`.`event` AS `event` FROM <events> AS `events` LIMIT 1 BY `events`.`event`"],
  ["select event from events array join [1, 2] as x","SELECT `events`.`event` AS `event` FROM <events> AS `events` ARRAY JOIN [1, 2] AS `x`"],
  ["select event::String, properties.n::float from events","SELECT toString(`events`.`event`) AS `event::string`, toFloat64(replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`properties`, 'n'), ''), 'null'), '^\"|\"$', '')) AS `properties.n::float` FROM <events> AS `events`"],
  ["select not (event = 'a') from events","SELECT not(equals(`events`.`event`, 'a')) AS `not(event == \\'a\\')` FROM <events> AS `events`"],
  ["select count() from groups where index = 0","SELECT count() AS `count()` FROM (SELECT group_type_index AS index, group_key AS key, argMax(group_properties, version) AS properties, argMax(created_at, version) AS created_at FROM groups WHERE team_id = 7 GROUP BY group_type_index, group_key) AS `groups` WHERE equals(`groups`.`index`, 0)"],
  ["select session.id, $session_id, $group_0, group_0.properties.name from events","SELECT `events`.`$session_id` AS `id`, `events`.`$session_id` AS `$session_id`, `events`.`$group_0` AS `$group_0`, replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`events`.`group0_properties`, 'name'), ''), 'null'), '^\"|\"$', '') AS `name` FROM <events> AS `events`"],
  ["select `$browser weird` from (select 1 as `$browser weird`)","SELECT `$browser weird` AS `$browser weird` FROM (SELECT 1 AS `$browser weird`)"],
  ["select 'a\\'b', 'c\\\\d', 'tab\\there'","SELECT 'a\\'b' AS `\\'a\\\\\\'b\\'`, 'c\\\\d' AS `\\'c\\\\\\\\d\\'`, 'tab\\there' AS `\\'tab\\there\\'`"],
];

describe('HogQL printer golden tests', () => {
  it('has at least 25 constructs', () => expect(GOLDEN.length).toBeGreaterThanOrEqual(25));

  it.each(GOLDEN)('%s', (hogql, clickhouse) => {
    expect(print(hogql)).toBe(clickhouse);
  });

  it('wraps events and persons in team-constrained subqueries', () => {
    expect(EVENTS_TABLE.wrap(7, '')).toMatch(/^SELECT `uuid`, `event`, .* FROM events WHERE team_id = 7$/);
    expect(PERSONS_TABLE.wrap(7, '')).toBe(
      'SELECT id, argMax(properties, version) AS properties, argMax(created_at, version) AS created_at, ' +
        'argMax(is_identified, version) AS is_identified FROM person WHERE team_id = 7 GROUP BY id HAVING argMax(is_deleted, version) = 0',
    );
  });

  it('applies the top-level limit: default, cap and the extra row for hasMore', () => {
    const printer = new HogQLPrinter({ teamId: 7, timezone: 'UTC', now: new Date(0), values: {}, filters: null });
    const limit = { defaultLimit: 100, maxLimit: 10_000, extra: 1 };
    expect(printer.printTopLevel(parseSelect('select 1'), { limit })).toEqual({ sql: 'SELECT 1 AS `1` LIMIT 101', limit: 100 });
    expect(printer.printTopLevel(parseSelect('select 1 limit 99999'), { limit })).toEqual({ sql: 'SELECT 1 AS `1` LIMIT 10001', limit: 10_000 });
    expect(printer.printTopLevel(parseSelect('select 1 union all select 2'), { limit }).sql).toBe('SELECT * FROM (SELECT 1 AS `1` UNION ALL SELECT 2 AS `2`) LIMIT 101');
  });

  it('prints datetime fields in the project time zone', () => {
    const printer = new HogQLPrinter({ teamId: 7, timezone: 'Europe/Paris', now: new Date(0), values: {}, filters: null });
    expect(printer.printTopLevel(parseSelect('select toStartOfDay(timestamp) from events')).sql).toContain(
      "toStartOfDay(toTimeZone(`events`.`timestamp`, 'Europe/Paris'))",
    );
  });

  it('prints a single expression over the raw events columns', () => {
    expect(printHogQLExpression('properties.$browser', { teamId: 7 })).toBe(
      "replaceRegexpAll(nullIf(nullIf(JSONExtractRaw(`properties`, '$browser'), ''), 'null'), '^\"|\"$', '')",
    );
    expect(printHogQLExpression('concat(event, {suffix})', { teamId: 7, values: { suffix: "'" } })).toBe("concat(`event`, '\\'')");
    expect(printHogQLExpression('person.properties.email', { teamId: 7 })).toContain('JSONExtractRaw(`person_properties`, \'email\')');
    expect(printHogQLExpression('(select count() from events)', { teamId: 7 })).toContain('WHERE team_id = 7');
    expect(() => printHogQLExpression('team_id', { teamId: 7 })).toThrow('Unable to resolve field: team_id');
  });
});
