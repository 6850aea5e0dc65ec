#!/usr/bin/env python3
"""Loads a librdkafka `.properties` export into a consumer of the librdkafka bundled in the
`confluent-kafka` wheel (a current release, newer than the Swift code links), as is and with
`group.protocol=consumer`, and prints one JSON object: the library version and, per variant,
"ok" or librdkafka's refusal.

Usage: load_with_current_librdkafka.py FILE

bootstrap.servers is replaced by 127.0.0.1:9 (discard) so that nothing reaches the network; every
other property is used as exported. The process ends with os._exit: a consumer is never closed,
so no group leave or broker wait can hold it up.
"""
import json
import os
import sys

import confluent_kafka


def load(path):
    conf = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            conf[key] = value
    conf["bootstrap.servers"] = "127.0.0.1:9"
    return conf


def attempt(conf):
    try:
        confluent_kafka.Consumer(conf)
        return "ok"
    except Exception as error:  # KafkaException and ValueError both carry librdkafka's reason
        return str(error)


def main():
    conf = load(sys.argv[1])
    result = {
        "librdkafka": confluent_kafka.libversion()[0],
        "classic": attempt(dict(conf)),
        "consumer_protocol": attempt(dict(conf, **{"group.protocol": "consumer"})),
    }
    print(json.dumps(result), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
