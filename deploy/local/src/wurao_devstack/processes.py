"""How the local platform starts its Python servers: one uvicorn worker each, in its own process group."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# uvicorn's httptools protocol, writing each response's head and body at once (wurao_common.http_protocol).
HTTP_PROTOCOL = "wurao_common.http_protocol:OneWriteHttpToolsProtocol"


def serve_command(factory: str, port: int) -> list[str]:
    """How an ASGI app is served, as the service image serves it: one uvicorn worker on uvloop and httptools (named:
    a missing one fails the start instead of falling back to asyncio and h11)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        HTTP_PROTOCOL,
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "10",
    ]


def spawn(argv: list[str], env: dict[str, str], log_file: Path) -> subprocess.Popen:
    """`argv` in its own process group (so stopping it takes its children too), output appended to `log_file`."""
    with log_file.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - argv built from our own interpreter and modules
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
