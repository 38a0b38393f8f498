/**
 * The function ALLOWLIST: HogQL name → ClickHouse name and arity. A call to any other name is
 * refused, which is what keeps `file()`, `url()`, `dictGet`, `joinGet`, `getSetting`, `currentDatabase`
 * and friends out of reach. Aggregates may take `If`-style FILTER and (parametric ones) parameters.
 */
export interface FunctionSpec {
  readonly clickhouse: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly aggregate?: boolean;
  /** Parametric aggregate: `quantile(0.9)(x)`; the parameters are constants. */
  readonly params?: readonly [min: number, max: number];
  /** Only valid with OVER (...). */
  readonly window?: boolean;
}

const MANY = 1000;
type Row = readonly [name: string, min: number, max?: number, clickhouse?: string];

function table(rows: readonly Row[], extra: Partial<FunctionSpec> = {}): [string, FunctionSpec][] {
  return rows.map(([name, min, max, clickhouse]) => [name, { clickhouse: clickhouse ?? name, minArgs: min, maxArgs: max ?? min, ...extra }]);
}

const SCALAR: readonly Row[] = [
  // operators
  ['plus', 2], ['minus', 2], ['multiply', 2], ['divide', 2], ['intDiv', 2], ['intDivOrZero', 2], ['modulo', 2], ['negate', 1],
  ['equals', 2], ['notEquals', 2], ['less', 2], ['greater', 2], ['lessOrEquals', 2], ['greaterOrEquals', 2],
  ['and', 2, MANY], ['or', 2, MANY], ['not', 1], ['xor', 2, MANY], ['in', 2], ['notIn', 2],
  ['like', 2], ['ilike', 2], ['notLike', 2], ['notILike', 2], ['match', 2],
  // conditionals and nulls
  ['if', 3], ['multiIf', 3, MANY], ['coalesce', 1, MANY], ['ifNull', 2], ['nullIf', 2], ['isNull', 1], ['isNotNull', 1],
  ['assumeNotNull', 1], ['toNullable', 1], ['greatest', 1, MANY], ['least', 1, MANY],
  // maths
  ['abs', 1], ['round', 1, 2], ['floor', 1, 2], ['ceil', 1, 2], ['trunc', 1, 2], ['sqrt', 1], ['cbrt', 1], ['exp', 1], ['log', 1],
  ['log2', 1], ['log10', 1], ['pow', 2], ['power', 2, 2, 'pow'], ['sign', 1], ['pi', 0], ['e', 0], ['sin', 1], ['cos', 1], ['tan', 1],
  ['isNaN', 1], ['isFinite', 1], ['isInfinite', 1], ['rand', 0, 1], ['rand64', 0, 1], ['randCanonical', 0, 1], ['gcd', 2], ['lcm', 2],
  // type conversion
  ['toString', 1, 2], ['toInt', 1, 1, 'toInt64OrNull'], ['toFloat', 1, 1, 'toFloat64OrNull'], ['toBool', 1], ['toDecimal', 2, 2, 'toDecimal64OrNull'],
  ['toInt8', 1], ['toInt16', 1], ['toInt32', 1], ['toInt64', 1], ['toUInt8', 1], ['toUInt16', 1], ['toUInt32', 1], ['toUInt64', 1],
  ['toFloat32', 1], ['toFloat64', 1], ['toInt64OrNull', 1], ['toFloat64OrNull', 1], ['toInt64OrZero', 1], ['toFloat64OrZero', 1],
  ['toUUID', 1], ['toUUIDOrNull', 1], ['toTypeName', 1], ['accurateCastOrNull', 2], ['reinterpretAsUInt64', 1],
  // dates and times
  ['toDate', 1, 2], ['toDateOrNull', 1], ['toDateTime', 1, 2], ['toDateTime64', 2, 3], ['toDateTimeOrNull', 1, 2],
  ['parseDateTimeBestEffort', 1, 2], ['parseDateTimeBestEffortOrNull', 1, 2], ['parseDateTime64BestEffortOrNull', 1, 3],
  ['toTimeZone', 2], ['toUnixTimestamp', 1, 2], ['toUnixTimestamp64Milli', 1], ['fromUnixTimestamp', 1, 2],
  ['fromUnixTimestamp64Milli', 1, 2], ['toYear', 1, 2], ['toQuarter', 1, 2], ['toMonth', 1, 2], ['toDayOfMonth', 1, 2],
  ['toDayOfWeek', 1, 3], ['toDayOfYear', 1, 2], ['toHour', 1, 2], ['toMinute', 1, 2], ['toSecond', 1, 2], ['toISOWeek', 1, 2],
  ['toISOYear', 1, 2], ['toWeek', 1, 3], ['toYearWeek', 1, 3], ['toYYYYMM', 1, 2], ['toYYYYMMDD', 1, 2],
  ['toStartOfYear', 1, 2], ['toStartOfQuarter', 1, 2], ['toStartOfMonth', 1, 2], ['toStartOfWeek', 1, 3], ['toMonday', 1, 2],
  ['toStartOfDay', 1, 2], ['toStartOfHour', 1, 2], ['toStartOfMinute', 1, 2], ['toStartOfSecond', 1, 2],
  ['toStartOfFiveMinutes', 1, 2, 'toStartOfFiveMinute'], ['toStartOfFiveMinute', 1, 2], ['toStartOfTenMinutes', 1, 2],
  ['toStartOfFifteenMinutes', 1, 2], ['toStartOfInterval', 2, 3], ['toRelativeDayNum', 1, 2], ['toRelativeHourNum', 1, 2],
  ['dateDiff', 3, 4], ['date_diff', 3, 4, 'dateDiff'], ['dateAdd', 3], ['dateSub', 3], ['date_add', 3, 3, 'dateAdd'], ['date_sub', 3, 3, 'dateSub'],
  ['timeStampAdd', 3], ['timeStampSub', 3], ['addSeconds', 2], ['addMinutes', 2], ['addHours', 2], ['addDays', 2], ['addWeeks', 2],
  ['addMonths', 2], ['addYears', 2], ['subtractSeconds', 2], ['subtractMinutes', 2], ['subtractHours', 2], ['subtractDays', 2],
  ['subtractWeeks', 2], ['subtractMonths', 2], ['subtractYears', 2], ['formatDateTime', 2, 3], ['dateTrunc', 2, 3], ['date_trunc', 2, 3, 'dateTrunc'],
  ['toIntervalSecond', 1], ['toIntervalMinute', 1], ['toIntervalHour', 1], ['toIntervalDay', 1], ['toIntervalWeek', 1],
  ['toIntervalMonth', 1], ['toIntervalQuarter', 1], ['toIntervalYear', 1], ['timeSlot', 1],
  // strings
  ['length', 1], ['empty', 1], ['notEmpty', 1], ['lower', 1], ['upper', 1], ['lowerUTF8', 1], ['upperUTF8', 1], ['reverse', 1],
  ['concat', 1, MANY], ['concatWithSeparator', 2, MANY], ['substring', 2, 3], ['substr', 2, 3, 'substring'], ['left', 2], ['right', 2],
  ['trim', 1], ['trimLeft', 1], ['trimRight', 1], ['leftPad', 2, 3], ['rightPad', 2, 3], ['repeat', 2], ['position', 2, 3],
  ['positionCaseInsensitive', 2, 3], ['startsWith', 2], ['endsWith', 2], ['replace', 3, 3, 'replaceAll'], ['replaceAll', 3],
  ['replaceOne', 3], ['replaceRegexpAll', 3], ['replaceRegexpOne', 3], ['extract', 2], ['extractAll', 2], ['splitByChar', 2, 3],
  ['splitByString', 2, 3], ['splitByRegexp', 2, 3], ['multiSearchAny', 2], ['format', 1, MANY], ['base64Encode', 1],
  ['base64Decode', 1], ['tryBase64Decode', 1], ['hex', 1], ['unhex', 1], ['lengthUTF8', 1], ['toValidUTF8', 1], ['normalizeUTF8NFC', 1],
  ['domain', 1], ['domainWithoutWWW', 1], ['topLevelDomain', 1], ['protocol', 1], ['path', 1], ['pathFull', 1],
  ['queryString', 1], ['fragment', 1], ['extractURLParameter', 2], ['extractURLParameters', 1], ['cutQueryString', 1],
  ['cutFragment', 1], ['cutURLParameter', 2], ['decodeURLComponent', 1], ['encodeURLComponent', 1],
  // JSON (the properties columns are JSON text)
  ['JSONHas', 1, MANY], ['JSONLength', 1, MANY], ['JSONType', 1, MANY], ['JSONExtractString', 1, MANY], ['JSONExtractInt', 1, MANY],
  ['JSONExtractFloat', 1, MANY], ['JSONExtractBool', 1, MANY], ['JSONExtractRaw', 1, MANY], ['JSONExtractArrayRaw', 1, MANY],
  ['JSONExtractKeys', 1, MANY], ['JSONExtractKeysAndValues', 2, MANY], ['JSONExtract', 2, MANY], ['isValidJSON', 1], ['toJSONString', 1],
  // arrays and tuples
  ['array', 0, MANY], ['tuple', 0, MANY], ['tupleElement', 2, 3], ['arrayElement', 2], ['has', 2], ['hasAll', 2], ['hasAny', 2],
  ['indexOf', 2], ['arrayMap', 2, MANY], ['arrayFilter', 2, MANY], ['arrayExists', 1, MANY], ['arrayAll', 1, MANY],
  ['arrayCount', 1, MANY], ['arraySum', 1, MANY], ['arrayAvg', 1, MANY], ['arrayMin', 1, MANY], ['arrayMax', 1, MANY],
  ['arrayFirst', 2, MANY], ['arrayLast', 2, MANY], ['arrayFirstIndex', 2, MANY], ['arraySort', 1, MANY], ['arrayReverseSort', 1, MANY],
  ['arrayReverse', 1], ['arrayDistinct', 1], ['arrayUniq', 1, MANY], ['arrayCompact', 1], ['arrayConcat', 1, MANY], ['arraySlice', 2, 3],
  ['arrayPushBack', 2], ['arrayPushFront', 2], ['arrayPopBack', 1], ['arrayPopFront', 1], ['arrayStringConcat', 1, 2],
  ['arrayEnumerate', 1], ['arrayZip', 1, MANY], ['arrayFlatten', 1], ['arrayIntersect', 1, MANY], ['arrayJoin', 1],
  ['arrayCumSum', 1, MANY], ['arrayDifference', 1], ['arraySplit', 2, MANY], ['emptyArrayString', 0], ['range', 1, 3],
  ['countEqual', 2], ['mapKeys', 1], ['mapValues', 1], ['map', 0, MANY], ['mapContains', 2],
  // hashes, ids, misc
  ['cityHash64', 1, MANY], ['sipHash64', 1, MANY], ['xxHash64', 1, MANY], ['murmurHash3_64', 1, MANY], ['MD5', 1], ['SHA256', 1],
  ['generateUUIDv4', 0, 1], ['UUIDStringToNum', 1], ['UUIDNumToString', 1], ['toUInt128', 1], ['bar', 4], ['formatReadableSize', 1],
  ['formatReadableQuantity', 1], ['formatReadableTimeDelta', 1, 2], ['isIPv4String', 1], ['isIPv6String', 1],
];

const AGGREGATES: readonly Row[] = [
  ['count', 0, 1], ['countIf', 1, 2], ['countDistinct', 1, MANY, 'uniqExact'], ['sum', 1], ['sumIf', 2], ['avg', 1], ['avgIf', 2],
  ['min', 1], ['minIf', 2], ['max', 1], ['maxIf', 2], ['any', 1], ['anyIf', 2], ['anyLast', 1], ['argMin', 2], ['argMax', 2],
  ['argMinIf', 3], ['argMaxIf', 3], ['uniq', 1, MANY], ['uniqIf', 2, MANY], ['uniqExact', 1, MANY], ['uniqExactIf', 2, MANY],
  ['uniqHLL12', 1, MANY], ['groupArray', 1], ['groupArrayIf', 2], ['groupUniqArray', 1], ['groupUniqArrayIf', 2],
  ['groupArrayArray', 1], ['groupUniqArrayArray', 1], ['groupBitOr', 1], ['groupBitAnd', 1], ['median', 1], ['medianIf', 2],
  ['stddevPop', 1], ['stddevSamp', 1], ['varPop', 1], ['varSamp', 1], ['covarPop', 2], ['corr', 2], ['sumMap', 1, 2],
  ['minMap', 1, 2], ['maxMap', 1, 2], ['avgWeighted', 2], ['sumArray', 1], ['countArray', 1], ['anyHeavy', 1],
];

const PARAMETRIC: readonly (readonly [string, number, number, number, number])[] = [
  ['quantile', 1, 1, 1, 1], ['quantileIf', 2, 2, 1, 1], ['quantiles', 1, 1, 1, 20], ['quantileExact', 1, 1, 1, 1],
  ['quantileTiming', 1, 1, 1, 1], ['median', 1, 1, 0, 0], ['topK', 1, 1, 1, 2], ['histogram', 1, 1, 1, 1],
  ['windowFunnel', 2, MANY, 1, 4], ['retention', 1, 32, 0, 0], ['sequenceMatch', 2, 34, 1, 1], ['sequenceCount', 2, 34, 1, 1],
  ['groupArraySample', 1, 1, 1, 2], ['groupArray', 1, 1, 0, 1],
];

const WINDOW: readonly Row[] = [
  ['row_number', 0], ['rank', 0], ['dense_rank', 0], ['percent_rank', 0], ['lag', 1, 3, 'lagInFrame'], ['lead', 1, 3, 'leadInFrame'],
  ['lagInFrame', 1, 3], ['leadInFrame', 1, 3], ['first_value', 1], ['last_value', 1], ['nth_value', 2],
];

const FUNCTIONS = new Map<string, FunctionSpec>([
  ...table(SCALAR),
  ...table(AGGREGATES, { aggregate: true }),
  ...PARAMETRIC.map(([name, min, max, pmin, pmax]): [string, FunctionSpec] => [
    name,
    { clickhouse: name, minArgs: min, maxArgs: max, aggregate: true, params: [pmin, pmax] },
  ]),
  ...table(WINDOW, { window: true }),
]);

const BY_LOWER_CASE = new Map<string, FunctionSpec>([...FUNCTIONS].map(([name, spec]) => [name.toLowerCase(), spec]));

/** The allowlisted function, by exact name first, then case-insensitively (`COUNT`, `toStartOfDay`). */
export function findFunction(name: string): FunctionSpec | undefined {
  return FUNCTIONS.get(name) ?? BY_LOWER_CASE.get(name.toLowerCase());
}

/** Table functions callable in FROM: only generators with no access to anything outside. */
export const TABLE_FUNCTIONS: ReadonlyMap<string, { readonly minArgs: number; readonly maxArgs: number }> = new Map([
  ['numbers', { minArgs: 1, maxArgs: 2 }],
]);

/** The most rows `numbers()` may generate. */
export const MAX_NUMBERS_ROWS = 10_000_000;
