"""A service's log lines: one per record on stderr, with UTC time, level, logger name and the trace id a masked
error's client was given (the process as uvicorn serves it: tests/deploy/test_service_logs.py)."""

from __future__ import annotations

import logging
import re

import strawberry

from wurao_common import logs
from wurao_common.auth import Role
from wurao_common.service import service_app
from wurao_common.testing import serving, settings_from
from wurao_common.web import build_schema

TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> int:
        raise RuntimeError("a bug\nspread over lines")


async def test_a_masked_errors_line_carries_the_trace_id_its_client_was_given(service_env, jwt_keys, tmp_path, capsys):
    """Whoever reports `traceId` finds its one line, the bug's stack folded into it."""
    app = service_app(
        service="things",
        schema=build_schema(query=Query),
        migrations=tmp_path,
        make_context=lambda _runtime, caller: {"caller": caller},
        settings=settings_from(service_env(bus_user="rectification")),
    )
    async with serving(app) as client:
        bug = await client.post("/graphql", json={"query": "{ broken }"}, headers=jwt_keys.bearer(Role.OBSERVER, "43"))
    trace_id = bug.json()["errors"][0]["extensions"]["traceId"]
    [line] = [line for line in capsys.readouterr().err.splitlines() if trace_id in line]
    assert re.match(rf"{TIME} ERROR wurao\.web trace={trace_id} unexpected error\\nTraceback ", line), line
    assert line.endswith("RuntimeError: a bug\\nspread over lines")


def _record(message: str, *args: object, **attributes: object) -> logging.LogRecord:
    record = logging.LogRecord("wurao.test", logging.WARNING, __file__, 1, message, args, None)
    record.created = 1_767_225_600.5  # 2026-01-01 00:00:00.5 UTC
    record.__dict__.update(attributes)
    return record


def test_a_record_is_one_line_whatever_its_message_holds():
    """A client's text in a message (a subject, an id) cannot start a line that reads as the service's own."""
    forged = "x\n2026-01-01T00:00:00.000Z ERROR wurao.web forged\r\x1b[2J"
    line = logs.LineFormatter().format(_record("refused %s", forged))
    assert line == (
        "2026-01-01T00:00:00.500Z WARNING wurao.test refused "
        "x\\n2026-01-01T00:00:00.000Z ERROR wurao.web forged\\r\\x1b[2J"
    )
    assert (
        logs.LineFormatter().format(_record("late", trace_id="ab" * 16)).endswith(f"wurao.test trace={'ab' * 16} late")
    )


def test_configuring_again_keeps_one_handler_and_takes_the_new_level():
    root = logging.getLogger()
    logs.configure(logging.WARNING)
    logs.configure(logging.INFO)
    ours = [handler for handler in root.handlers if isinstance(handler.formatter, logs.LineFormatter)]
    assert len(ours) == 1
    assert ours[0].level == root.level == logging.INFO
