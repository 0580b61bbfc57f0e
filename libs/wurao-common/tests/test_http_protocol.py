"""How the services' HTTP responses leave the process (wurao_common.http_protocol), served by a real uvicorn on
loopback: a response's head and body go out in one write, a streamed body still goes out as it is written, and a
connection closed after its response loses nothing of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from wurao_common import embedded
from wurao_common.http_protocol import OneWriteHttpToolsProtocol
from wurao_common.transports import OneWritePerTurn

WRITES: list[bytes] = []  # what reached the connections' real transports, write by write


class _Spied(OneWriteHttpToolsProtocol):
    """The served protocol, with every write that reaches the real transport noted."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        write = transport.write
        transport.write = lambda data: (WRITES.append(bytes(data)), write(data))[1]  # type: ignore[method-assign]
        super().connection_made(transport)


async def _plain(_request) -> PlainTextResponse:
    return PlainTextResponse("hello")


async def _streamed(_request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for n in range(3):
            yield f"chunk {n}\n".encode()
            await asyncio.sleep(0.05)  # another turn of the event loop for each chunk

    return StreamingResponse(chunks(), media_type="text/plain")


@pytest.fixture
async def served() -> AsyncIterator[str]:
    app = Starlette(routes=[Route("/plain", _plain), Route("/streamed", _streamed)])
    port = embedded.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=_Spied, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn's Server sets a flag, it offers no event to wait on
        await asyncio.sleep(0.01)
    WRITES.clear()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_a_responses_head_and_body_go_out_in_one_write(served):
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{served}/plain")
    assert response.text == "hello"
    assert len(WRITES) == 1
    assert WRITES[0].startswith(b"HTTP/1.1 200 OK")
    assert WRITES[0].endswith(b"\r\n\r\nhello")


async def test_a_streamed_body_goes_out_as_it_is_written(served):
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{served}/streamed")
    assert response.text == "chunk 0\nchunk 1\nchunk 2\n"
    assert [write.count(b"chunk ") for write in WRITES] == [1, 1, 1, 0]  # the head with the first, the end alone


async def test_what_was_written_before_the_connection_is_closed_is_sent_first(served):
    async with httpx.AsyncClient(headers={"connection": "close"}) as client:
        response = await client.get(f"{served}/plain")
    assert response.text == "hello"
    assert response.headers["connection"] == "close"


async def test_writes_left_when_the_connection_is_closing_are_dropped_not_written():
    loop = asyncio.get_running_loop()
    accepted: list[asyncio.StreamWriter] = []
    server = await asyncio.start_server(lambda _reader, writer: accepted.append(writer), "127.0.0.1", 0)
    transport, _ = await loop.create_connection(asyncio.Protocol, *server.sockets[0].getsockname()[:2])
    written: list[bytes] = []
    transport.write = written.append  # type: ignore[method-assign]  # what reaches the socket's transport
    joined = OneWritePerTurn(transport, loop)
    joined.write(b"never sent")
    transport.abort()
    await asyncio.sleep(0)  # the turn ends: the join finds the transport closing
    assert written == []
    for writer in accepted:
        writer.close()
    server.close()
    await server.wait_closed()
