/**
 * Values bound into printed SQL as ClickHouse query parameters (`{p0:String}`), never spliced
 * into the text. Every query the insight runners print reads `team_id = {team_id:Int64}`.
 */
export const TEAM_ID = '{team_id:Int64}';

export class SqlParams {
  readonly values: Record<string, unknown>;
  private next = 0;

  constructor(teamId: number, timezone: string) {
    this.values = { team_id: teamId, tz: timezone };
  }

  /** A placeholder bound to `value` as ClickHouse type `type`. */
  add(value: unknown, type: string): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }

  str(value: string): string {
    return this.add(value, 'String');
  }

  /** A UTC instant as DateTime64(6, 'UTC'). */
  time(value: Date): string {
    return `toDateTime64(${this.add(value.toISOString().replace('T', ' ').replace('Z', ''), 'String')}, 6, 'UTC')`;
  }
}

/** The team's time zone, bound once per query. */
export const TZ = '{tz:String}';
