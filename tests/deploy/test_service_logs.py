"""A service process, served as its image serves it (uvicorn, no access log), writes its log as an ops team reads
it in a cluster: one line per record on stderr with UTC time, level and logger name, at the level LOG_LEVEL sets,
uvicorn's own lines in the same form and once, and no credential on any line."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from wurao_common import embedded
from wurao_devstack.processes import serve_command

FACTORY = "wurao_rectification.app:create_app"
LINE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+ (trace=[0-9a-f]{32} )?\S"
)
DATABASE_PASSWORD = "db-secret-4f1c9e"  # the tests' PostgreSQL trusts every local connection: any password opens it


def _with_password(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.hostname}:{parts.port}"))


@pytest.fixture
def service_process(service_env, tmp_path: Path, bus):
    """`run(**env)`: rectification's stderr and stdout from start, through ready, to stop (None when it refused to
    start: then its exit code and stderr). Its credentials sit in the URLs, where a log line could leak them."""

    def run(**extra: str) -> tuple[int | None, str, str]:
        env = {name: value for name, value in os.environ.items() if name != "LOG_LEVEL"}
        own = service_env(bus_user="rectification")
        nats_password = own.pop("NATS_PASSWORD")
        own.pop("NATS_USER")
        env |= own | {
            "NATS_URL": _with_password(own["NATS_URL"], "rectification", nats_password),
            "DATABASE_URL": _with_password(own["DATABASE_URL"], "postgres", DATABASE_PASSWORD),
            **extra,
        }
        port = embedded.free_port()
        stderr, stdout = tmp_path / "stderr", tmp_path / "stdout"
        with stderr.open("wb") as err, stdout.open("wb") as out:
            process = subprocess.Popen(serve_command(FACTORY, port), env=env, stdout=out, stderr=err)
        try:
            try:
                embedded.wait_for_port(port, 60, process)
            except RuntimeError:
                return process.wait(10), stderr.read_text(), stdout.read_text()
            assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
        finally:
            process.terminate()
            process.wait(30)
        text = stderr.read_text()
        for secret in (nats_password, DATABASE_PASSWORD):
            assert secret not in text, "a log line carries a password"
        return None, text, stdout.read_text()

    return run


def test_a_started_service_writes_its_startup_lines_with_utc_time_level_and_logger_name(service_process):
    refused, stderr, stdout = service_process()
    assert refused is None, stderr
    lines = stderr.splitlines()
    assert [line for line in lines if not LINE.match(line)] == [], "every line on stderr has the one form"
    assert stdout == ""
    assert any(
        re.search(r"Z INFO wurao\.bus connecting to nats at 127\.0\.0\.1:\d+ as rectification$", line) for line in lines
    )
    assert any(re.search(r"Z INFO wurao\.service rectification: applied migrations bus/001_", line) for line in lines)
    # uvicorn's own lines, in the same form and once each (its handler no longer writes them too)
    assert sum(line.endswith(" INFO uvicorn.error Application startup complete.") for line in lines) == 1
    assert sum("Application startup complete" in line for line in lines) == 1


def test_at_log_level_warning_a_started_service_writes_no_line_below_warning(service_process):
    refused, stderr, _stdout = service_process(LOG_LEVEL="WARNING")
    assert refused is None, stderr
    assert [line for line in stderr.splitlines() if "INFO" in line or "DEBUG" in line] == []


@pytest.mark.parametrize("level", ["warn", "debug"])
def test_the_gateways_spelling_of_a_level_serves_too_and_no_line_carries_a_password(service_process, level):
    """`make run` hands the gateway and the services one environment: the names both take start both. At DEBUG every
    library's records are written, and still neither the database's nor the bus's password is on any line."""
    refused, stderr, _stdout = service_process(LOG_LEVEL=level)
    assert refused is None, stderr
    if level == "warn":
        assert "INFO" not in stderr
    else:
        assert " INFO wurao.service " in stderr


def test_an_unknown_log_level_stops_the_service_at_start_naming_the_setting(service_process):
    refused, stderr, _stdout = service_process(LOG_LEVEL="verbose")
    assert refused not in (None, 0)
    assert "setting LOG_LEVEL: 'verbose' is no log level" in stderr
