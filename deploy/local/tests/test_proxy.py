"""The balancer spreads connections over replicas and skips a dead one; the fault proxy holds connections
half-open, lets the held bytes through on resume, and resets them on cut."""

import asyncio
import contextlib

import pytest

from wurao_common import embedded
from wurao_devstack.proxy import Proxy


async def _echo_server(tag: bytes) -> asyncio.Server:
    """Answers each line with `tag` + the line."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while line := await reader.readline():
                writer.write(tag + line)
                await writer.drain()
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


def _address(server: asyncio.Server) -> tuple[str, int]:
    return "127.0.0.1", server.sockets[0].getsockname()[1]


async def _ask(port: int, line: bytes = b"hi\n", timeout: float = 5) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(line)
        return await asyncio.wait_for(reader.readline(), timeout)
    finally:
        writer.close()


async def test_each_new_connection_goes_to_the_next_replica_and_a_dead_replica_is_skipped():
    first, second = await _echo_server(b"a:"), await _echo_server(b"b:")
    dead = ("127.0.0.1", embedded.free_port())  # nothing listens there
    proxy = Proxy([_address(first), dead, _address(second)])
    await proxy.start()
    try:
        answers = [await _ask(proxy.port) for _ in range(4)]
    finally:
        await proxy.close()
        first.close()
        second.close()
    assert answers == [b"a:hi\n", b"b:hi\n", b"a:hi\n", b"b:hi\n"]
    assert proxy.per_backend == [2, 0, 2]


@pytest.fixture
async def held():
    """A proxy in front of an echo server, and a connection through it that has already carried a line."""
    server = await _echo_server(b"")
    proxy = Proxy([_address(server)])
    await proxy.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"before\n")
    assert await asyncio.wait_for(reader.readline(), 5) == b"before\n"
    yield proxy, reader, writer
    writer.close()
    await proxy.close()
    server.close()


async def test_a_stalled_proxy_holds_the_connection_open_and_resume_lets_the_bytes_through(held):
    proxy, reader, writer = held
    proxy.stall()
    writer.write(b"held\n")
    answer = asyncio.ensure_future(reader.readline())
    await asyncio.wait({answer}, timeout=0.5)
    assert not answer.done(), "nothing passes while stalled"
    assert not writer.is_closing(), "the connection stays open while stalled"
    proxy.resume()
    assert await asyncio.wait_for(answer, 5) == b"held\n"


async def test_cut_resets_every_held_connection_and_new_ones_work_again(held):
    proxy, reader, _ = held
    proxy.stall()
    proxy.cut()
    proxy.resume()
    with contextlib.suppress(ConnectionError):
        assert await asyncio.wait_for(reader.read(), 5) == b"", "the held connection ends"
    assert await _ask(proxy.port, b"two\n") == b"two\n"
