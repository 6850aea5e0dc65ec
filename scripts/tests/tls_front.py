#!/usr/bin/env python3
"""A TLS front for a plaintext HTTP server on 127.0.0.1 (stdlib only: asyncio + ssl), so that tests
can reach an in-process emulator over HTTPS, for example through a proxy's CONNECT tunnel.

Usage: tls_front.py --cert CERT --key KEY --backend-port PORT --port-file FILE

Listens on 127.0.0.1 on a free port, writes the port to FILE once listening, and relays the bytes of
each TLS connection to 127.0.0.1:PORT and back. Stops on SIGTERM or SIGINT.
"""
import argparse
import asyncio
import ssl

from serving import close_quietly, serve_until_stopped


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        close_quietly(writer)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--backend-port", type=int, required=True)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    context.set_alpn_protocols(["http/1.1"])

    async def handle(client_reader, client_writer):
        try:
            backend_reader, backend_writer = await asyncio.open_connection("127.0.0.1", args.backend_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, backend_writer), pipe(backend_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    await serve_until_stopped(server, args.port_file)


if __name__ == "__main__":
    asyncio.run(main())
