import uuid

import pytest
from nats.js.api import StreamConfig


@pytest.fixture
async def small_stream(nats_client):
    """A stream of its own whose subjects start with the name yielded; JetStream refuses a message over 200 bytes
    there with an error answer (err_code 10054), not an acknowledgement."""
    name = "T" + uuid.uuid4().hex[:10].upper()
    js = nats_client.jetstream()
    await js.add_stream(StreamConfig(name=name, subjects=[f"{name.lower()}.>"], max_msg_size=200))
    yield name.lower()
    await js.delete_stream(name)
