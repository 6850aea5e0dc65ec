#ifndef CDX_VERIFY_CRDKAFKA_SHIM_H
#define CDX_VERIFY_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>

/// Produces one copied record with a chosen timestamp (milliseconds since the epoch; 0: now).
/// rd_kafka_producev is variadic, which Swift cannot call.
static inline rd_kafka_resp_err_t cdx_produce_at(rd_kafka_t *rk, const char *topic, int32_t partition,
                                                 void *value, size_t value_len, void *key, size_t key_len,
                                                 int64_t timestamp_ms) {
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value, value_len),
                             RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
}

#endif
