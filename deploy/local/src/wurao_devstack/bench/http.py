"""A lean HTTP/1.1 keep-alive client for the load generator.

httpx spent more CPU per request than the subgraph it measured (~78% of a core at ~125 req/s), so the load
generator, not the platform, set the numbers. This client sends pre-encoded requests on raw asyncio streams.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit


class Connection:
    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post_json(self, payload: dict, headers: dict[str, str]) -> tuple[int, dict]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (
            f"POST {self.path} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n{head}\r\n"
        ).encode() + body
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._writer.write(request)
        return await self._response()

    async def _response(self) -> tuple[int, dict]:
        assert self._reader is not None
        status_line = await self._reader.readline()
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        body = await self._chunked() if chunked else await self._reader.readexactly(length)
        if close:
            await self.close()
        return status, json.loads(body) if body else {}

    async def _chunked(self) -> bytes:
        assert self._reader is not None
        body = b""
        while size := int((await self._reader.readline()).split(b";")[0], 16):
            body += await self._reader.readexactly(size)
            await self._reader.readline()
        await self._reader.readline()
        return body

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._reader = self._writer = None
