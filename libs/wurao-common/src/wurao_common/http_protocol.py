"""How every service's HTTP responses leave the process: uvicorn's httptools protocol, with the writes of one turn of
the event loop sent as one (wurao_common.transports).

uvicorn writes a response's status line and headers, then its body: two writes, two TCP segments, and the client
(the gateway, most of the time) wakes and reads twice. Starlette sends the head and the body of a response in the
same turn, so they now go out together; a streamed body (server-sent events) still goes out chunk by chunk, each at
the end of the turn that wrote it.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from wurao_common.transports import OneWritePerTurn


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    """Served as `uvicorn --http wurao_common.http_protocol:OneWriteHttpToolsProtocol`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(OneWritePerTurn(transport, self.loop))  # type: ignore[arg-type]
