"""Connecting to NATS and declaring the JetStream stream every service shares."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import nats
from nats.aio.client import Client
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from wurao_common.bus.envelope import STREAM, SUBJECT_ROOT
from wurao_common.config import SettingsError

log = logging.getLogger("wurao.bus")


async def _log_error(error: Exception) -> None:
    log.warning("nats: %s", error)


async def connect(url: str, *, name: str) -> Client:
    # Credentials in the URL never reach the logs: only host and port are named.
    where = urlsplit(url).netloc.rpartition("@")[2]
    log.info("connecting to nats at %s", where)
    return await nats.connect(
        url,
        name=name,
        error_cb=_log_error,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
    )


def stream_config(*, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=STREAM,
        subjects=[f"{SUBJECT_ROOT}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=120.0,
        max_age=365 * 24 * 3600.0,
    )


def check_replicas(existing: int, wanted: int) -> None:
    """A process never changes the stream's replicas (least of all lowers them because its NATS_STREAM_REPLICAS
    was left unset): it refuses to start instead, and an operator changes the stream deliberately."""
    if existing != wanted:
        raise SettingsError(
            f"setting NATS_STREAM_REPLICAS: the {STREAM} stream has {existing} replicas, this process is set to "
            f"{wanted} (default 1); set NATS_STREAM_REPLICAS={existing}, or change the stream itself first"
        )


async def ensure_stream(nc: Client, *, replicas: int = 1) -> None:
    js = nc.jetstream()
    config = stream_config(replicas=replicas)
    try:
        info = await js.stream_info(STREAM)
        check_replicas(info.config.num_replicas or 1, replicas)
        await js.update_stream(config)
    except NotFoundError:
        try:
            await js.add_stream(config)
        except BadRequestError as error:  # another replica created it first
            if error.err_code != 10058:
                raise
