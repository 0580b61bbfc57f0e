"""Batches published to JetStream, their acknowledgements awaited together, through plain publishes with a reply.

nats-py's `publish_async` makes, per message, a unique token, a future with a done callback, a semaphore slot and a
`PubAck` dataclass, and its acknowledgements come back through those futures, gathered again. This publishes each
message with `nc.publish` and a reply subject of its own (this publisher's inbox and a running number), hears the
answers on one wildcard subscription and counts them off the batch: one future and one timer per batch. A number is
never reused, so a late answer to an earlier batch matches no message of a later one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.errors import APIError, NoStreamResponseError

_NO_RESPONDERS = "503"


class Publisher:
    """One batch at a time; `publish` returns once JetStream has stored (or already had) every message."""

    def __init__(self, nc: Client):
        self._nc = nc
        self._prefix = nc.new_inbox() + "."
        self._subscription = None
        self._turn = asyncio.Lock()
        self._next = 0  # the number the next message's reply subject ends with
        self._unanswered: set[int] = set()
        self._refusal: Exception | None = None
        self._settled: asyncio.Future[None] | None = None  # every message acknowledged, or one refused

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
            self._subscription = None

    async def publish(self, messages: Sequence[tuple[str, bytes, dict[str, str]]], timeout: float) -> None:
        """Sends each (subject, payload, headers), then waits for all their acknowledgements; raises the first
        refusal, or TimeoutError when one has not come within `timeout`."""
        if not messages:
            return
        async with self._turn:
            if self._subscription is None:
                self._subscription = await self._nc.subscribe(self._prefix + "*", cb=self._answered)
            first, self._next = self._next, self._next + len(messages)
            # All numbers are awaited before the first is sent: early answers cannot settle a batch half sent.
            self._unanswered.update(range(first, self._next))
            self._refusal = None
            self._settled = asyncio.get_running_loop().create_future()
            try:
                for number, (subject, payload, headers) in enumerate(messages, first):
                    await self._nc.publish(subject, payload, reply=f"{self._prefix}{number}", headers=headers)
                await asyncio.wait_for(self._settled, timeout)
                if self._refusal is not None:
                    raise self._refusal
            finally:
                self._unanswered.clear()  # an answer still to come is answered to no one
                self._settled.cancel()

    async def _answered(self, msg: Msg) -> None:
        number = int(msg.subject[len(self._prefix) :])
        if number not in self._unanswered or self._settled.done():
            return
        if msg.headers and (status := msg.headers.get("Status")):
            self._refuse(NoStreamResponseError() if status == _NO_RESPONDERS else APIError(code=int(status)))
            return
        answer = json.loads(msg.data)
        if (error := answer.get("error")) is not None:  # e.g. too large for the stream, or the stream is full
            self._refuse(APIError(error.get("code"), error.get("description"), error.get("err_code")))
        elif "stream" not in answer:
            self._refuse(APIError(description=f"not an acknowledgement: {answer}"))
        else:  # stored, or a duplicate of one stored before: either way the stream has it
            self._unanswered.discard(number)
            if not self._unanswered:
                self._settled.set_result(None)

    def _refuse(self, refusal: Exception) -> None:
        self._refusal = refusal
        self._settled.set_result(None)
