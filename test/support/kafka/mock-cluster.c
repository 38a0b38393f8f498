/*
 * A Kafka cluster for tests: librdkafka's mock cluster (the Kafka protocol as librdkafka's own
 * test suite serves it), listening on loopback ports. Usage:
 *
 *   mock-cluster <brokers> [topic:partitions ...]
 *
 * prints the bootstrap servers on one line, then runs until its standard input closes.
 * Built by test/support/kafka/mock-cluster.ts with the system's librdkafka (librdkafka-dev).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv) {
  int brokers = argc > 1 ? atoi(argv[1]) : 1;
  char error[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The handle only hosts the cluster; it never connects anywhere. */
  rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
  rd_kafka_t *handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!handle) {
    fprintf(stderr, "rd_kafka_new: %s\n", error);
    return 1;
  }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(handle, brokers < 1 ? 1 : brokers);
  if (!cluster) {
    fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  for (int i = 2; i < argc; i++) {
    char *colon = strrchr(argv[i], ':');
    int partitions = colon ? atoi(colon + 1) : 1;
    if (colon) *colon = '\0';
    if (rd_kafka_mock_topic_create(cluster, argv[i], partitions, 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fprintf(stderr, "cannot create topic %s\n", argv[i]);
      return 1;
    }
  }
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  return 0;
}
