#!/usr/bin/env python3
"""Creates Kafka topics with a CreateTopics (v2) request, stdlib only, plaintext, no SASL.

Meant for the backend (noida-db) port, not the TLS front. Usage:
    create_topics.py --bootstrap 127.0.0.1:PORT NAME:PARTITIONS [NAME:PARTITIONS ...]
A topic that already exists (error 36 TOPIC_ALREADY_EXISTS) counts as created. Exits 1 on any
other error.
"""

import argparse
import socket
import struct
import sys

API_CREATE_TOPICS = 19
VERSION = 2
ERR_TOPIC_ALREADY_EXISTS = 36


def enc_string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        buf += chunk
    return buf


def main():
    p = argparse.ArgumentParser(description="Create Kafka topics (CreateTopics v2).")
    p.add_argument("--bootstrap", required=True, help="host:port of a plaintext broker")
    p.add_argument("--timeout-ms", type=int, default=10000)
    p.add_argument("topics", nargs="+", help="NAME:PARTITIONS")
    args = p.parse_args()

    topics = []
    for spec in args.topics:
        name, _, parts = spec.partition(":")
        topics.append((name, int(parts or "1")))

    body = struct.pack(">i", len(topics))
    for name, parts in topics:
        body += enc_string(name) + struct.pack(">ihii", parts, 1, 0, 0)
    body += struct.pack(">i?", args.timeout_ms, False)
    header = struct.pack(">hhi", API_CREATE_TOPICS, VERSION, 1) + enc_string("cdx-wire-admin")
    req = header + body

    host, _, port = args.bootstrap.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=args.timeout_ms / 1000 + 5) as s:
        s.sendall(struct.pack(">i", len(req)) + req)
        (n,) = struct.unpack(">i", recv_exact(s, 4))
        resp = recv_exact(s, n)

    pos = 4 + 4  # correlation id, throttle_time_ms
    (count,) = struct.unpack_from(">i", resp, pos)
    pos += 4
    failed = False
    for _ in range(count):
        (ln,) = struct.unpack_from(">h", resp, pos)
        name = resp[pos + 2 : pos + 2 + ln].decode()
        pos += 2 + ln
        (err,) = struct.unpack_from(">h", resp, pos)
        pos += 2
        (mln,) = struct.unpack_from(">h", resp, pos)
        pos += 2
        msg = None
        if mln >= 0:
            msg = resp[pos : pos + mln].decode("utf-8", "replace")
            pos += mln
        if err == 0:
            print(f"create_topics: created {name}", file=sys.stderr)
        elif err == ERR_TOPIC_ALREADY_EXISTS:
            print(f"create_topics: {name} already exists", file=sys.stderr)
        else:
            print(f"create_topics: {name}: error {err} {msg or ''}", file=sys.stderr)
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
