/**
 * Splits `items`, in order, into runs of at most `maxItems` items whose sizes add up to at most
 * `maxSize` (an item bigger than that goes alone): Kinesis PutRecords calls, Kafka produce
 * requests, a consumer's batches.
 */
export function splitBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxSize: number, maxItems = Infinity): T[][] {
  const runs: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const itemSize = sizeOf(item);
    if (current.length === maxItems || (current.length > 0 && size + itemSize > maxSize)) {
      runs.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += itemSize;
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
