"""Creates or updates the `WURAO` stream, as the operator user: `python -m wurao_common.bus.stream`.

Reads NATS_URL (and NATS_USER/NATS_PASSWORD, NATS_CREDS, NATS_TLS_*) and NATS_STREAM_REPLICAS like a service.
Services never change the stream; run this once per deployment and after an upgrade that changes it.
"""

from __future__ import annotations

import asyncio

from wurao_common import config
from wurao_common.bus.envelope import STREAM
from wurao_common.bus.nats import NatsSettings, connect, ensure_stream


async def main() -> None:
    env = config.Config(environ=config.environ)
    nc = await connect(NatsSettings.from_env(env), name="wurao-stream")
    try:
        await ensure_stream(nc, replicas=config.read(env, "NATS_STREAM_REPLICAS", int, 1))
        info = await nc.jetstream().stream_info(STREAM)
        print(f"{STREAM}: {info.config.num_replicas} replicas, {info.state.messages} messages")
    finally:
        await nc.close()


if __name__ == "__main__":
    asyncio.run(main())
