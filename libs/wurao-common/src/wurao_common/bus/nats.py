"""Connecting to NATS and declaring the JetStream stream every service shares."""

from __future__ import annotations

import logging
import re
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nats
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from wurao_common import config
from wurao_common.bus.access import inbox_prefix
from wurao_common.bus.envelope import STREAM, SUBJECT_ROOT
from wurao_common.config import SettingsError

log = logging.getLogger("wurao.bus")


@dataclass(frozen=True)
class NatsSettings:
    """Where the bus is and who this process is on it (see the README's settings table).

    Credentials come as `NATS_USER`/`NATS_PASSWORD`, a `NATS_CREDS` file (JWT and nkey seed), or inside
    `NATS_URL` (`nats://user:password@host:4222`). TLS: a `tls://` URL, or `NATS_TLS_CA` (the server's CA),
    with `NATS_TLS_CERT`/`NATS_TLS_KEY` when the server asks for client certificates.
    """

    url: config.Secret
    user: str | None = None
    password: config.Secret | None = None
    creds: Path | None = None
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @classmethod
    def from_env(cls, env: config.Config) -> NatsSettings:
        def path(key: str) -> Path | None:
            value = config.read(env, key, str, "")
            if value and not Path(value).is_file():
                raise SettingsError(f"setting {key}: no file at {value}")
            return Path(value) if value else None

        user = config.read(env, "NATS_USER", str, "") or None
        password = config.read(env, "NATS_PASSWORD", config.Secret, "")
        if (user is None) != (not str(password)):
            raise SettingsError("settings NATS_USER and NATS_PASSWORD: set both or neither")
        settings = cls(
            url=config.read(env, "NATS_URL", config.Secret),
            user=user,
            password=password if user else None,
            creds=path("NATS_CREDS"),
            tls_ca=path("NATS_TLS_CA"),
            tls_cert=path("NATS_TLS_CERT"),
            tls_key=path("NATS_TLS_KEY"),
        )
        if (settings.tls_cert is None) != (settings.tls_key is None):
            raise SettingsError("settings NATS_TLS_CERT and NATS_TLS_KEY: set both or neither")
        if settings.creds and settings.user:
            raise SettingsError("settings NATS_CREDS and NATS_USER: choose one way to authenticate")
        return settings

    @property
    def user_name(self) -> str | None:
        """The user this process authenticates as, when it is known (not with a creds file)."""
        return self.user or unquote(urlsplit(str(self.url)).username or "") or None

    def tls_context(self) -> ssl.SSLContext | None:
        if self.tls_ca is None and self.tls_cert is None:
            return None  # a tls:// URL still gets the system's trust store from nats-py
        context = ssl.create_default_context(cafile=str(self.tls_ca) if self.tls_ca else None)
        if self.tls_cert and self.tls_key:
            context.load_cert_chain(str(self.tls_cert), str(self.tls_key))
        return context


async def _log_error(error: Exception) -> None:
    log.warning("nats: %s", error)


def _server(url: str) -> str:
    """The server a NATS URL names, by host and port alone: credentials in the URL never reach the logs. All before
    its last `@` is credentials (nats-py takes the URL as one server), however written: a password not
    percent-encoded may hold a `/`, `?` or `#` where urlsplit would see the host end, and name its start as the host."""
    return re.split(r"[/?#]", url.split("://", 1)[-1].rpartition("@")[2], maxsplit=1)[0]


async def connect(target: str | NatsSettings, *, name: str) -> Client:
    """A client for `target` (a URL, or settings with credentials and TLS).

    Replies come to `_INBOX.<user>` when the user is known: each user may read only its own inbox.
    """
    settings = target if isinstance(target, NatsSettings) else NatsSettings(url=config.Secret(target))
    url = str(settings.url)
    user = settings.user_name
    log.info("connecting to nats at %s as %s", _server(url), user or "(no user)")
    options = {}
    if settings.user:
        options |= {"user": settings.user, "password": str(settings.password)}
    if settings.creds:
        options["user_credentials"] = str(settings.creds)
    if tls := settings.tls_context():
        options["tls"] = tls
    return await nats.connect(
        url,
        name=name,
        error_cb=_log_error,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        inbox_prefix=inbox_prefix(user) if user else "_INBOX",
        **options,
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


_COMPARED = ("subjects", "retention", "storage", "duplicate_window", "max_age")
_OPERATOR_HINT = "the operator user creates and changes it: `python -m wurao_common.bus.stream` (see the README)"


async def ensure_stream(nc: Client, *, replicas: int = 1) -> None:
    """The stream as this version wants it. Only the operator user may create or change it; a service user
    finds it as wanted and changes nothing (it never needs more than the stream's info)."""
    js = nc.jetstream()
    wanted = stream_config(replicas=replicas)
    try:
        info = await js.stream_info(STREAM)
    except NotFoundError:
        try:
            await js.add_stream(wanted)
        except BadRequestError as error:  # another process created it first
            if error.err_code != 10058:
                raise
        except NatsTimeout:
            raise SettingsError(
                f"the {STREAM} stream does not exist and this user may not create it: {_OPERATOR_HINT}"
            ) from None
        return
    check_replicas(info.config.num_replicas or 1, replicas)
    if any(getattr(info.config, key) != getattr(wanted, key) for key in _COMPARED):
        try:
            await js.update_stream(wanted)
        except NatsTimeout:
            raise SettingsError(
                f"the {STREAM} stream's settings differ from this version's and this user may "
                f"not change them: {_OPERATOR_HINT}"
            ) from None
