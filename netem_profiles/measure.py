"""Tiny measurement kit for shaped links: a blob server, a timed download and a TCP ping.

Protocol: the client sends an ASCII line `<n>\\n`; the server answers with exactly n bytes
(repeatable on one connection). Also runnable as a script inside a network namespace:
`python -m netem_profiles.measure serve --port 5001` / `... get --host H --port 5001 --bytes N`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import asdict, dataclass

BLOCK = b"\x00" * 65536


async def _serve_blobs(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer `<n>\\n` requests with n bytes until the client closes."""
    try:
        while line := await reader.readline():
            remaining = int(line.strip() or b"0")
            while remaining > 0:
                chunk = BLOCK[: min(remaining, len(BLOCK))]
                writer.write(chunk)
                remaining -= len(chunk)
                await writer.drain()
    except (ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def start_blob_server(*, host: str = "127.0.0.1", port: int = 0) -> asyncio.Server:
    """Start the blob server; the bound port is `server.sockets[0].getsockname()[1]`."""
    return await asyncio.start_server(_serve_blobs, host, port)


@dataclass(frozen=True)
class Transfer:
    """Result of one timed download."""

    nbytes: int
    connect_s: float
    first_byte_s: float
    total_s: float

    @property
    def goodput_kbps(self) -> float:
        """Body rate from first to last byte, kbit/s (excludes the request round trip)."""
        span = self.total_s - self.first_byte_s
        return self.nbytes * 8 / span / 1000 if span > 0 else float("inf")


async def download(*, host: str, port: int, nbytes: int, limit_s: float = 120.0) -> Transfer:
    """Open a connection, fetch `nbytes`, and time connect, first byte and last byte."""
    t0 = time.monotonic()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), limit_s)
    t_conn = time.monotonic()
    try:
        writer.write(f"{nbytes}\n".encode())
        await writer.drain()
        first = await asyncio.wait_for(reader.readexactly(1), limit_s)
        t_first = time.monotonic()
        await asyncio.wait_for(reader.readexactly(nbytes - len(first)), limit_s)
        t_end = time.monotonic()
    finally:
        writer.close()
    return Transfer(nbytes, t_conn - t0, t_first - t0, t_end - t0)


async def ping(*, host: str, port: int, count: int = 5, limit_s: float = 30.0) -> list[float]:
    """Round-trip times (s) of 1-byte request/responses on one established connection."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), limit_s)
    rtts = []
    try:
        for _ in range(count):
            t0 = time.monotonic()
            writer.write(b"1\n")
            await writer.drain()
            await asyncio.wait_for(reader.readexactly(1), limit_s)
            rtts.append(time.monotonic() - t0)
    finally:
        writer.close()
    return rtts


async def _main(args: argparse.Namespace) -> None:
    """Script entry: serve forever, or do one download and print JSON."""
    if args.cmd == "serve":
        server = await start_blob_server(host=args.host, port=args.port)
        print("ready", flush=True)
        async with server:
            await server.serve_forever()
    else:
        result = await download(host=args.host, port=args.port, nbytes=args.bytes)
        print(json.dumps({**asdict(result), "goodput_kbps": result.goodput_kbps}))


def main() -> None:
    """`python -m netem_profiles.measure serve|get ...`."""
    parser = argparse.ArgumentParser(prog="python -m netem_profiles.measure")
    parser.add_argument("cmd", choices=["serve", "get"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--bytes", type=int, default=1_000_000)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
