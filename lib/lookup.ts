/**
 * `table[key]` when the table itself holds `key`, else undefined. Keys that arrive in requests
 * ("toString", "constructor", "__proto__") must not find what every object inherits.
 */
export function lookup<T extends object>(table: T, key: string): T[keyof T] | undefined {
  return Object.hasOwn(table, key) ? (table as Record<string, T[keyof T]>)[key] : undefined;
}
