"""How every service's HTTP responses leave the process: uvicorn's httptools protocol, with the writes of one turn of
the event loop sent as one.

uvicorn writes a response's status line and headers, then its body: two writes, two TCP segments, and the client
(the gateway, most of the time) wakes and reads twice. On a 2-core VM a write that wakes its reader costs ~50–60 µs
of CPU. Starlette sends the head and the body of a response in the same turn, so they now go out together; a
streamed body (server-sent events) still goes out chunk by chunk, each at the end of the turn that wrote it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _OneWritePerTurn:
    """The connection's transport, with the writes of one turn of the event loop joined into one."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._unsent: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._unsent:
            self._loop.call_soon(self._flush)
        self._unsent.append(bytes(data))

    def _flush(self) -> None:
        unsent, self._unsent = self._unsent, []
        if unsent and not self._transport.is_closing():
            self._transport.write(b"".join(unsent))

    def close(self) -> None:
        self._flush()  # what was written before the close goes out before it
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    """Served as `uvicorn --http wurao_common.http_protocol:OneWriteHttpToolsProtocol`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_OneWritePerTurn(transport, self.loop))  # type: ignore[arg-type]
