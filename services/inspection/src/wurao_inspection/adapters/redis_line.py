"""One Redis connection shared by every request in flight, for the cap counters' calls of scans and check-ins.

redis-py's asyncio client takes a connection from its pool, wraps the call in its retry machinery and gives the
connection back on every call: ~80–130 µs of CPU for one EVALSHA (measured on the development machine, 2026-12),
more than a scan's own work. Here each call puts its command on one connection and waits for its reply, which
Redis sends in order (pipelining): ~15–25 µs. The commands of one turn of the event loop go out in one write: a
write that wakes Redis costs this process ~50–60 µs of CPU on a 2-core VM, more than the call's own work.
Commands sent here must be safe to send twice: after a connection is lost, a call is sent once more on a new one.

Connects on first use (and again after a failure); speaks what redis-py reads from the same URL that matters to
a plain connection: host and port or a unix socket, TLS (`rediss://`, verified as the system verifies), user
and password, database.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections import deque
from collections.abc import Sequence
from typing import Any

import hiredis
from redis.asyncio.connection import SSLConnection, UnixDomainSocketConnection, parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from wurao_common.transports import OneWritePerTurn


class _Protocol(asyncio.Protocol):
    """Replies matched to their calls in the order the commands were written."""

    def __init__(self, timeout: float) -> None:
        self._reader = hiredis.Reader(encoding="utf-8", replyError=ResponseError)
        # Each call's future and the loop time its reply is due by. Replies come in order, so only the oldest call's
        # deadline needs a timer: one watchdog for the connection, not a timer armed and cancelled per call.
        self._waiting: deque[tuple[asyncio.Future, float]] = deque()
        self._timeout = timeout
        self._watchdog: asyncio.TimerHandle | None = None
        self._transport: OneWritePerTurn | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = OneWritePerTurn(transport, asyncio.get_running_loop())  # type: ignore[arg-type]

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        while (reply := self._reader.gets()) is not False:
            future, _due = self._waiting.popleft()
            if not future.done():
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        while self._waiting:
            future, _due = self._waiting.popleft()
            if not future.done():
                future.set_exception(RedisConnectionError(f"connection to Redis lost: {exc or 'closed'}"))

    def send(self, args: Sequence[Any]) -> asyncio.Future:
        # Packed first: a command that cannot be packed (an argument of no Redis type) raises here, before a reply is
        # awaited for it, or every later reply would reach the call before its own.
        command = hiredis.pack_command(tuple(args))
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((future, loop.time() + self._timeout))
        if self._watchdog is None:
            self._watchdog = loop.call_at(self._waiting[0][1], self._watch)
        self._transport.write(command)  # type: ignore[union-attr]
        return future

    def _watch(self) -> None:
        """At the oldest waiting call's deadline (or the deadline of one answered since: then it looks again at the
        call now oldest). No reply in time: the connection is given up, as a later reply could not be told from
        the next one's."""
        self._watchdog = None
        if not self._waiting:
            return
        future, due = self._waiting[0]
        loop = asyncio.get_running_loop()
        if loop.time() < due:
            self._watchdog = loop.call_at(due, self._watch)
            return
        if not future.done():
            future.set_exception(RedisTimeoutError(f"no reply from Redis within {self._timeout} s"))
        self.close()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.abort()


class RedisLine:
    def __init__(self, url: str, *, timeout: float = 2.0, connect_timeout: float = 2.0) -> None:
        self._options = parse_url(url)
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._protocol: _Protocol | None = None
        self._connecting = asyncio.Lock()

    async def call(self, *args: Any) -> Any:
        """One command's reply; RedisError (ConnectionError, TimeoutError, ResponseError) when there is none."""
        try:
            return await self._send(args)
        except RedisConnectionError:  # the connection was lost (e.g. Redis restarted): once more on a new one
            return await self._send(args)

    def register_script(self, text: str) -> Script:
        return Script(self, text)

    async def _send(self, args: Sequence[Any]) -> Any:
        protocol = self._protocol
        if protocol is None or protocol.lost:
            protocol = await self._connected()
        reply = await protocol.send(args)
        if isinstance(reply, ResponseError):
            raise NoScriptError(str(reply)) if str(reply).startswith("NOSCRIPT") else reply
        return reply

    async def _connected(self) -> _Protocol:
        """The open connection, or a new one (one attempt at a time, shared by the calls waiting for it)."""
        async with self._connecting:
            if self._protocol is not None and not self._protocol.lost:
                return self._protocol
            try:
                async with asyncio.timeout(self._connect_timeout):
                    protocol = await self._open()
            except TimeoutError as error:
                raise RedisTimeoutError(f"could not connect to Redis within {self._connect_timeout} s") from error
            except OSError as error:
                raise RedisConnectionError(f"could not connect to Redis: {error}") from error
            self._protocol = protocol
            return protocol

    async def _open(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        options = self._options
        make = lambda: _Protocol(self._timeout)  # noqa: E731
        kind = options.get("connection_class")
        if kind is UnixDomainSocketConnection:
            _, protocol = await loop.create_unix_connection(make, options["path"])
        else:
            tls = ssl.create_default_context() if kind is SSLConnection else None
            host = options.get("host", "localhost")
            _, protocol = await loop.create_connection(make, host, options.get("port", 6379), ssl=tls)
        try:
            password = options.get("password")
            if password:
                username = options.get("username")
                await _expect_ok(protocol, ("AUTH", username, password) if username else ("AUTH", password))
            if options.get("db"):
                await _expect_ok(protocol, ("SELECT", options["db"]))
        except BaseException:
            protocol.close()
            raise
        return protocol

    async def close(self) -> None:
        if self._protocol is not None:
            self._protocol.close()
            self._protocol = None


async def _expect_ok(protocol: _Protocol, command: tuple) -> None:
    reply = await protocol.send(command)
    if isinstance(reply, ResponseError):
        raise RedisConnectionError(f"Redis refused {command[0]}: {reply}")


class Script:
    """A Lua script run by its SHA1 (EVALSHA), and by its text (EVAL, which loads it) when Redis does not hold it
    (NOSCRIPT: e.g. Redis restarted)."""

    def __init__(self, line: RedisLine, text: str) -> None:
        self._line = line
        self._text = text
        self._sha = hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA1

    async def __call__(self, keys: Sequence[str], args: Sequence[Any] = ()) -> Any:
        try:
            return await self._line.call("EVALSHA", self._sha, len(keys), *keys, *args)
        except NoScriptError:
            return await self._line.call("EVAL", self._text, len(keys), *keys, *args)
