"""What the test servers of scripts/tests share: publish the port, then serve until SIGTERM or SIGINT."""
import asyncio
import os
import signal


async def serve_until_stopped(server, port_file):
    """Writes the server's port to port_file (atomically, once listening) and serves until signalled."""
    port = server.sockets[0].getsockname()[1]
    temporary = port_file + ".tmp"
    with open(temporary, "w") as file:
        file.write(f"{port}\n")
    os.replace(temporary, port_file)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


def close_quietly(writer):
    """Closes a stream writer, whatever state its connection is in."""
    try:
        writer.close()
    except Exception:
        pass
