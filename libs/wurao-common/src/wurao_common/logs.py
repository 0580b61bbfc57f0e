"""A service process's log: one line per record on stderr, at the level LOG_LEVEL names.

    2025-03-01T08:00:00.123Z INFO wurao.bus connecting to nats at nats:4222 as plan
    2025-03-01T08:00:05.456Z ERROR wurao.web trace=4bf92f3577b34da6a3ce929d0e0e4736 unexpected error\\nTraceback ...

UTC time, level, logger name, the trace id when the record has one (`extra={"trace_id": ...}`, else the span
current when it was logged, if any), then the message. A line break in a message or a traceback is written as
`\\n`, so that a record is one line for the cluster's log collector, and no text a client sent can start a line
that looks like one of ours.

uvicorn configures only its own loggers (and leaves the root logger without a handler: records of every other
logger were dropped below WARNING, and written bare above). `configure` gives the root logger this line, and
uvicorn's server logger too (its start and stop lines, its "Exception in ASGI application"), so every line on
stderr has one form and one level; uvicorn's access log stays off (`--no-access-log`).
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime

from opentelemetry import trace

from wurao_common import config

# The names LOG_LEVEL takes, in any case. `warn` too: the gateway's LOG_LEVEL spells it so, and `debug`, `info`,
# `warn` and `error` then mean the same to both.
LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}
_HANDLER_NAME = "wurao"
_UVICORN = "uvicorn"  # the parent of uvicorn.error, where uvicorn puts its handler
_BREAKS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_ESCAPES = {"\n": "\\n", "\r": "\\r"}


def read_level(env: config.Config) -> int:
    """LOG_LEVEL (default INFO); a name that is no level stops the service at start."""
    name = config.read(env, "LOG_LEVEL", str, "INFO")
    level = LEVELS.get(name.strip().upper())
    if level is None:
        raise config.SettingsError(
            f"setting LOG_LEVEL: {name!r} is no log level: DEBUG, INFO, WARNING (or WARN), ERROR or CRITICAL"
        )
    return level


def _escaped(text: str) -> str:
    return _BREAKS.sub(lambda found: _ESCAPES.get(found[0], f"\\x{ord(found[0]):02x}"), text)


class LineFormatter(logging.Formatter):
    """`<UTC time> <LEVEL> <logger> [trace=<id>] <message>`, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        text = record.getMessage()
        if record.exc_info:
            text = f"{text}\n{self.formatException(record.exc_info)}"
        if record.stack_info:
            text = f"{text}\n{self.formatStack(record.stack_info)}"
        trace_id = getattr(record, "trace_id", None) or _current_trace_id()
        traced = f" trace={trace_id}" if trace_id else ""
        return f"{time.removesuffix('+00:00')}Z {record.levelname} {record.name}{traced} {_escaped(text)}"


def _current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes (as logging's own last resort does)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _stream) -> None:
        pass


def configure(level: int) -> None:
    """Sends every record at `level` or above to stderr as one line; again (a second app in the process), the
    same handler is kept and only the level changes."""
    root = logging.getLogger()
    handler = next((handler for handler in root.handlers if handler.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = _Stderr()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(LineFormatter())
        root.addHandler(handler)
    handler.setLevel(level)
    root.setLevel(level)
    server = logging.getLogger(_UVICORN)
    for own in list(server.handlers):  # its records now reach the root's line, once
        server.removeHandler(own)
    server.propagate = True
