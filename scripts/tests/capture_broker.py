#!/usr/bin/env python3
"""A Kafka "broker" on 127.0.0.1 that only wants the client's SASL credentials (stdlib only: asyncio +
ssl), for tests that prove a secret is NOT sent somewhere. It answers ApiVersions and SaslHandshake
(mechanism PLAIN) as a broker does, so that a librdkafka client goes on to send its SASL/PLAIN token,
records every byte it receives, and refuses the authentication.

Usage: capture_broker.py --port-file FILE --capture-file FILE [--cert CERT --key KEY]

Listens on a free port (TLS when --cert and --key are given), writes the port to --port-file once
listening, appends every request frame it receives to --capture-file. Stops on SIGTERM or SIGINT.
"""
import argparse
import asyncio
import ssl
import struct

from serving import close_quietly, serve_until_stopped

MAX_FRAME = 1 << 20
# (api key, min version, max version) advertised: ApiVersions, SaslHandshake, SaslAuthenticate, Metadata.
APIS = [(18, 0, 3), (17, 0, 1), (36, 0, 1), (3, 0, 4)]


def uvarint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def frame(correlation_id, body):
    payload = struct.pack(">i", correlation_id) + body
    return struct.pack(">i", len(payload)) + payload


def api_versions(version):
    if version >= 3:  # flexible body (the response header stays v0)
        body = struct.pack(">h", 0) + uvarint(len(APIS) + 1)
        body += b"".join(struct.pack(">hhh", *api) + b"\x00" for api in APIS)
        return body + struct.pack(">i", 0) + b"\x00"
    body = struct.pack(">hi", 0, len(APIS)) + b"".join(struct.pack(">hhh", *api) for api in APIS)
    return body + (struct.pack(">i", 0) if version >= 1 else b"")


def string(text):
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def sasl_authenticate_failed(version):
    body = struct.pack(">h", 58) + string("captured") + struct.pack(">i", 0)
    return body + (struct.pack(">q", 0) if version >= 1 else b"")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--capture-file", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()

    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def record(data):
        with open(args.capture_file, "ab") as file:
            file.write(data)

    async def handle(reader, writer):
        try:
            while True:
                size = struct.unpack(">i", await reader.readexactly(4))[0]
                if size < 8 or size > MAX_FRAME:
                    break
                payload = await reader.readexactly(size)
                record(payload)
                api_key, version, correlation_id = struct.unpack(">hhi", payload[:8])
                if api_key == 18:
                    writer.write(frame(correlation_id, api_versions(version)))
                elif api_key == 17:
                    body = struct.pack(">hi", 0, 1) + string("PLAIN")
                    writer.write(frame(correlation_id, body))
                elif api_key == 36:
                    writer.write(frame(correlation_id, sasl_authenticate_failed(version)))
                    await writer.drain()
                    break
                else:
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, struct.error):
            pass
        finally:
            close_quietly(writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    await serve_until_stopped(server, args.port_file)


if __name__ == "__main__":
    asyncio.run(main())
