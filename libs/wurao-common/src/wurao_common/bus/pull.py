"""Batches from a durable JetStream pull consumer, through JetStream's pull API with a callback subscription.

nats-py's `fetch` waits for each message of a batch with its own task and timer (measured here: about 78 µs of
CPU per message with its ack, against 25 µs this way, twice what `publish_async` costs per message). This asks
JetStream for a batch on `$JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>`, as `fetch` does, and takes the messages
as the client's reader hands them over. First a request answered at once (the messages there are, then status 404
when fewer than the batch); when there are none, a request that waits until a message comes or it expires,
answered as soon as one arrives. What a waiting request brings later is kept for the next call. Messages are
acknowledged by the caller as before (`Msg.ack`, `Msg.nak`, `Msg.term`).
"""

from __future__ import annotations

import asyncio
import json

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import DEFAULT_PREFIX

_HEARTBEAT = "100"


class Puller:
    def __init__(self, nc: Client, stream: str, durable: str):
        self._nc = nc
        self._next = f"{DEFAULT_PREFIX}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = nc.new_inbox()
        self._received: list[Msg] = []
        self._statuses = 0  # answers that ended a request: 404 no messages, 408 expired, 409 ...
        self._arrived = asyncio.Event()

    async def start(self) -> None:
        self._subscription = await self._nc.subscribe(self._inbox, cb=self._receive)

    async def stop(self) -> None:
        """Messages received but not yet taken are redelivered after the consumer's ack_wait."""
        await self._subscription.unsubscribe()

    async def _receive(self, msg: Msg) -> None:
        status = msg.headers.get("Status") if msg.headers else None
        if status is None:
            self._received.append(msg)
        elif status != _HEARTBEAT:
            self._statuses += 1
        self._arrived.set()

    async def fetch(self, batch: int, timeout: float) -> list[Msg]:
        """Up to `batch` messages, at least one; raises nats.errors.TimeoutError after `timeout` without any."""
        if not self._received:
            answered = self._statuses
            await self._request({"batch": batch, "no_wait": True})
            await self._until(lambda: len(self._received) >= batch or self._statuses > answered, timeout)
        if not self._received:
            answered = self._statuses
            await self._request({"batch": batch, "expires": int(timeout * 1e9) - 100_000})
            # Until a message comes or the request ends (it expired): then a new request, never a wait on none.
            await self._until(lambda: bool(self._received) or self._statuses > answered, timeout)
            if not self._received:
                raise NatsTimeout
            await asyncio.sleep(0)  # the rest of what came in the same read
        taken, self._received = self._received[:batch], self._received[batch:]
        return taken

    async def _request(self, request: dict) -> None:
        await self._nc.publish(self._next, json.dumps(request).encode(), reply=self._inbox)

    async def _until(self, done, timeout: float) -> None:
        """Waits until done() holds; raises nats.errors.TimeoutError once `timeout` has passed in all."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not done():
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), deadline - asyncio.get_running_loop().time())
            except TimeoutError:
                raise NatsTimeout from None
