// No kafkajs here: the configuration of every process and Lambda reads this, and only a Kafka bus loads the client.

/**
 * Bootstrap servers from their comma-separated list (KAFKA_BROKERS, HEDGEROW_KAFKA_BROKERS): each
 * `host:port`, spaces around them ignored. `bad` is the first entry that is not.
 */
export function parseBrokers(list: string): { readonly brokers: string[]; readonly bad?: string } {
  const brokers = list.split(',').map((b) => b.trim());
  return { brokers, bad: brokers.find((b) => !/^[^\s:,]+:\d{1,5}$/.test(b)) };
}
