"""Publishing a batch to JetStream and counting its acknowledgements, on real NATS: a stream of its own where
JetStream itself answers, and plain subscribers that answer as a stream would, in their own order or not at all."""

import asyncio
import json
import random
import uuid

import pytest
from nats.js.errors import APIError

from wurao_common.bus.publish import Publisher

_STORED = b'{"stream":"ANSWERING","seq":1}'


@pytest.fixture
async def publisher(nats_client):
    publisher = Publisher(nats_client)
    yield publisher
    await publisher.stop()


class _Answering:
    """Plays a stream on `<subject>.>`: holds every message until told to answer."""

    def __init__(self, nc):
        self._nc = nc
        self.subject = "answering" + uuid.uuid4().hex[:10]
        self.held: list = []
        self.arrived = asyncio.Event()

    async def __aenter__(self):
        self._subscription = await self._nc.subscribe(f"{self.subject}.>", cb=self._hold)
        return self

    async def __aexit__(self, *_exc):
        await self._subscription.unsubscribe()

    async def _hold(self, msg) -> None:
        self.held.append(msg)
        self.arrived.set()

    async def published(self, publisher: Publisher, count: int, timeout: float) -> asyncio.Task:
        """A batch of `count` messages being published, once all of them are held here."""
        held = len(self.held) + count
        publishing = asyncio.create_task(publisher.publish(_messages(self.subject, count), timeout))
        while len(self.held) < held:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 5)
        return publishing

    async def answer(self, msg, answer: bytes = _STORED) -> None:
        await self._nc.publish(msg.reply, answer)


def _messages(subject: str, count: int, size: int = 20) -> list[tuple[str, bytes, dict[str, str]]]:
    return [(f"{subject}.m{n}", b"x" * size, {"Nats-Msg-Id": str(uuid.uuid4())}) for n in range(count)]


async def test_acknowledgements_in_any_order_settle_the_batch_once_each_message_has_its_own(nats_client, publisher):
    """Answers are matched to their messages by reply subject, not counted: answers in shuffled order, one
    message answered twice and another not at all, leave the batch unsettled until the missing one comes."""
    async with _Answering(nats_client) as stream:
        publishing = await stream.published(publisher, 10, timeout=5)
        missing, *answered = random.sample(stream.held, 10)
        for msg in [*answered, answered[0]]:
            await stream.answer(msg)
        await asyncio.sleep(0.3)
        assert not publishing.done()
        await stream.answer(missing)
        await asyncio.wait_for(publishing, 5)


async def test_a_batch_not_all_acknowledged_within_the_timeout_raises(nats_client, publisher):
    async with _Answering(nats_client) as stream:
        publishing = await stream.published(publisher, 5, timeout=0.5)
        for msg in stream.held[:4]:
            await stream.answer(msg)
        with pytest.raises(TimeoutError):
            await publishing


async def test_a_late_acknowledgement_of_an_earlier_batch_settles_nothing_in_a_later_one(nats_client, publisher):
    async with _Answering(nats_client) as stream:
        with pytest.raises(TimeoutError):
            await publisher.publish(_messages(stream.subject, 3), timeout=0.3)
        late = list(stream.held)
        publishing = await stream.published(publisher, 3, timeout=0.5)
        for msg in late:
            await stream.answer(msg)
        with pytest.raises(TimeoutError):
            await publishing


async def test_a_message_the_stream_refuses_in_the_middle_fails_the_batch_with_the_streams_error(
    publisher, small_stream
):
    messages = [*_messages(small_stream, 3), *_messages(small_stream, 1, size=500), *_messages(small_stream, 3)]
    with pytest.raises(APIError) as refused:
        await publisher.publish(messages, timeout=5)
    assert refused.value.err_code == 10054  # the message is larger than the stream allows


async def test_a_message_the_stream_already_has_counts_as_acknowledged(nats_client, publisher, small_stream):
    messages = _messages(small_stream, 5)
    await publisher.publish(messages, timeout=5)
    await publisher.publish(messages[1:3], timeout=5)
    info = await nats_client.jetstream().stream_info(small_stream.upper())
    assert info.state.messages == 5


async def test_an_answer_that_is_no_acknowledgement_fails_the_batch(nats_client, publisher):
    async with _Answering(nats_client) as stream:
        publishing = await stream.published(publisher, 2, timeout=5)
        await stream.answer(stream.held[0])
        await stream.answer(stream.held[1], json.dumps({"seq": 2}).encode())
        with pytest.raises(APIError, match="not an acknowledgement"):
            await asyncio.wait_for(publishing, 1)
