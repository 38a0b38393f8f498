/**
 * Counters with labels. The pipeline runner counts every drop with a `drop_cause` label.
 * Locally they are kept in memory (and shown by /_health); Lambdas print them in CloudWatch's
 * Embedded Metric Format.
 */
export interface Metrics {
  increment(name: string, labels?: Record<string, string>, by?: number): void;
}

export class MemoryMetrics implements Metrics {
  private readonly counters = new Map<string, number>();

  increment(name: string, labels: Record<string, string> = {}, by = 1): void {
    const key = `${name}${Object.keys(labels).length ? JSON.stringify(labels) : ''}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  get(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(`${name}${Object.keys(labels).length ? JSON.stringify(labels) : ''}`) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }
}

/** Writes each increment as one EMF line on stdout (CloudWatch turns it into a metric). */
export class EmfMetrics implements Metrics {
  constructor(private readonly namespace = 'Hedgerow', private readonly write = (line: string) => process.stdout.write(line + '\n')) {}

  increment(name: string, labels: Record<string, string> = {}, by = 1): void {
    this.write(
      JSON.stringify({
        _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [Object.keys(labels)], Metrics: [{ Name: name, Unit: 'Count' }] }] },
        ...labels,
        [name]: by,
      }),
    );
  }
}
