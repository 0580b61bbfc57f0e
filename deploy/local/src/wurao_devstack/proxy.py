"""A small asyncio TCP proxy: replicas behind one address, and network faults on demand.

As a balancer (`make run` with WURAO_REPLICAS > 1) it hands each new connection to the next backend in turn,
skipping one that refuses connections, the way a Kubernetes Service spreads connections over its pods: the
gateway holds several keep-alive connections to each subgraph, and they land on different replicas.

As a fault proxy (`make chaos`, between the services and PostgreSQL, Redis and NATS) it can `stall`: every
connection stays open and nothing passes either way, new ones are accepted and left waiting (half-open, as
behind a partition or a dead middlebox); `resume` lets the held bytes through, `cut` resets every connection.

CLI: `python -m wurao_devstack.proxy --port 4101 127.0.0.1:4201 127.0.0.1:4202` balances until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

log = logging.getLogger("wurao.proxy")
_CHUNK = 64 * 1024
_CONNECT_TIMEOUT = 2.0


class Proxy:
    def __init__(self, backends: list[tuple[str, int]], *, port: int = 0, host: str = "127.0.0.1") -> None:
        if not backends:
            raise ValueError("a proxy needs at least one backend")
        self.backends = backends
        self.host = host
        self.port = port
        self.connections = 0  # accepted so far
        self.per_backend = [0] * len(backends)  # connections handed to each backend
        self._next = 0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._open: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        self.cut()
        self._flowing.set()  # let held pumps see their closed streams and end
        if self._server is not None:
            await self._server.wait_closed()

    def stall(self) -> None:
        """Hold every connection open, forwarding nothing, until `resume` or `cut`."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def cut(self) -> None:
        """Reset every open connection (a partition that outlasted TCP's patience); new ones are accepted."""
        for writer in list(self._open):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._open.clear()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The next backend in turn that accepts a connection; None when none does."""
        for _ in range(len(self.backends)):
            index = self._next % len(self.backends)
            self._next += 1
            host, port = self.backends[index]
            try:
                opened = await asyncio.wait_for(asyncio.open_connection(host, port), _CONNECT_TIMEOUT)
            except (OSError, TimeoutError):
                continue
            self.per_backend[index] += 1
            return opened
        return None

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._open.add(client_writer)
        upstream_writer = None
        try:
            await self._flowing.wait()
            if client_writer.is_closing():
                return
            upstream = await self._connect()
            if upstream is None:
                return
            upstream_reader, upstream_writer = upstream
            self._open.add(upstream_writer)
            await asyncio.gather(self._pump(client_reader, upstream_writer), self._pump(upstream_reader, client_writer))
        finally:
            for writer in (client_writer, upstream_writer):
                if writer is not None:
                    self._open.discard(writer)
                    with contextlib.suppress(Exception):
                        writer.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(_CHUNK):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            writer.transport.abort()


async def _balance(port: int, backends: list[tuple[str, int]]) -> None:
    proxy = Proxy(backends, port=port)
    await proxy.start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    log.info("balancing 127.0.0.1:%d over %s", proxy.port, backends)
    await stopping.wait()
    await proxy.close()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="round-robin TCP balancer over replicas")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("backends", nargs="+", type=_address, metavar="HOST:PORT")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(_balance(args.port, args.backends))


if __name__ == "__main__":
    main()
