#!/usr/bin/env python3
"""Prints COUNT distinct free TCP ports of 127.0.0.1 (default 1), space-separated, for servers that
are told a port number (scripts/wire, scripts/check-image).

Usage: free_ports.py [COUNT]

The ports are outside the kernel's ephemeral range (net.ipv4.ip_local_port_range): a port picked by
binding port 0 comes from that range, is free only until the picker closes it, and the kernel may give
it next to a socket binding port 0 (librdkafka's mock brokers, in any process of the machine) or to
an outgoing connection. A server that then binds the number with SO_REUSEADDR (asyncio, tokio and
NIO all set it) can share the port with a mock broker taken down (bound, not listening), and
librdkafka 2.0.2's mock aborts its whole process when it listens again. Nothing that binds port 0,
and no outgoing connection, is ever given a port outside that range.

Each port is checked free by binding it without SO_REUSEADDR (a port bound or listened on by any
socket refuses that bind) and held until every port is picked.
"""
import random
import socket
import sys

LOWEST = 10000  # below: the well-known and commonly configured service ports


def ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as file:
            low, high = (int(part) for part in file.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def candidates():
    low, high = ephemeral_range()
    ports = [port for port in range(LOWEST, 65536) if not low <= port <= high]
    random.shuffle(ports)
    return ports


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    held = []
    try:
        for port in candidates():
            if len(held) == count:
                break
            candidate = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                candidate.bind(("127.0.0.1", port))
            except OSError:
                candidate.close()
                continue
            held.append(candidate)
        if len(held) < count:
            sys.exit(f"free_ports.py: only {len(held)} free ports outside the ephemeral range")
        print(*(s.getsockname()[1] for s in held))
    finally:
        for s in held:
            s.close()


if __name__ == "__main__":
    main()
