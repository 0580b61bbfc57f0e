"""Starts the whole platform on one machine and stops it without leaving a process behind.

Embedded PostgreSQL, Redis and NATS (or the servers named by DATABASE_URL, REDIS_URL, NATS_URL), one
database per service, demo data, the four services (one uvicorn worker each, see FIELD-NOTES on TCP_NODELAY)
and the gateway on a supergraph composed from the committed SDLs. With `replicas` > 1 each service runs that
many processes (each with its own outbox relay, consumers and sweeps, sharing durable names) behind a
round-robin balancer (`wurao_devstack.proxy`), whose address is the one the gateway knows.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from wurao_common import config, db, embedded
from wurao_common.auth import Role, generate_signing_key, issue_token
from wurao_common.bus import access
from wurao_common.bus.nats import NatsSettings, connect, ensure_stream
from wurao_devstack import bus, gateway, web
from wurao_devstack.bus import SERVICES
from wurao_devstack.processes import serve_command, spawn

REPO = Path(__file__).resolve().parents[4]
# Services with a seed module (`python -m wurao_<name>.seed`), run once their database is migrated.
SEEDED = ("plan",)
ISSUER = "wurao-dev"
AUDIENCE = "wurao-api"


@dataclass
class Keys:
    """Development keys, created once under the data folder and kept out of the repository."""

    folder: Path

    def ensure(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        if not self.jwt_private.exists():
            private_pem, public_pem = generate_signing_key()
            self.jwt_private.write_bytes(private_pem)
            self.jwt_private.chmod(0o600)
            self.jwt_public.write_bytes(public_pem)
        if not self.code_signing.exists():
            key = Ed25519PrivateKey.generate()
            self.code_signing.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
            self.code_signing.chmod(0o600)

    @property
    def code_signing(self) -> Path:
        """The Ed25519 key plan signs inspection codes with (key id 1)."""
        return self.folder / "code-signing.pem"

    @property
    def jwt_private(self) -> Path:
        return self.folder / "jwt-private.pem"

    @property
    def jwt_public(self) -> Path:
        return self.folder / "jwt-public.pem"

    @property
    def nats_passwords(self) -> Path:
        """The embedded NATS's users' passwords (see `wurao_devstack.bus`), made on first use."""
        return self.folder / "nats-passwords.json"

    def token(
        self,
        role: Role | str,
        region: str,
        *,
        office: str | None = None,
        unit: str | None = None,
        subject: str | None = None,
        ttl_seconds: int = 12 * 3600,
    ) -> str:
        return issue_token(
            self.jwt_private.read_bytes(),
            issuer=ISSUER,
            audience=AUDIENCE,
            role=role,
            region=region,
            office_id=office,
            unit_id=unit,
            subject=subject,
            ttl_seconds=ttl_seconds,
        )


@dataclass
class Stack:
    data_dir: Path
    gateway_port: int = 4000
    web_port: int = 0  # 0: a free port
    extra_env: dict[str, str] = field(default_factory=dict)
    replicas: int = 1  # processes per service
    # Servers to use instead of embedded ones, by variable; unset ones fall back to the environment.
    external: dict[str, str] = field(default_factory=dict)
    # Passwords of the users (`wurao_devstack.bus`) on an external NATS that has them; without them, every
    # process connects with NATS_URL as it is (credentials inside it, or none).
    nats_passwords: dict[str, str] | None = None
    servers: list[embedded.Server] = field(default_factory=list)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    service_urls: dict[str, str] = field(default_factory=dict)  # what the gateway calls (a balancer when replicated)
    replica_urls: dict[str, list[str]] = field(default_factory=dict)  # each replica's own address, by service
    metrics_urls: dict[str, str] = field(default_factory=dict)  # each replica's /metrics, on a port of its own
    server_urls: dict[str, str] = field(default_factory=dict)  # DATABASE_URL, REDIS_URL, NATS_URL in use
    keys: Keys = field(init=False)

    def __post_init__(self) -> None:
        self.data_dir = self.data_dir.resolve()
        self.keys = Keys(self.data_dir / "keys")
        if self.replicas < 1:
            raise ValueError("replicas: at least 1")
        self._launchers: dict[str, Callable[[], subprocess.Popen]] = {}

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}/graphql"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/"

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        started = time.monotonic()
        self.keys.ensure()
        self.web_port = self.web_port or embedded.free_port()
        web.ensure_built()  # the gateway needs the app's persisted documents
        postgres_url, redis_url, _ = self._servers()
        database_urls = asyncio.run(self._databases(postgres_url))
        asyncio.run(self._create_stream())
        common = {
            "REDIS_URL": redis_url,
            "JWT_PUBLIC_KEY_FILE": str(self.keys.jwt_public),
            "JWT_ISSUER": ISSUER,
            "JWT_AUDIENCE": AUDIENCE,
            "WURAO_ENV": "development",
            **self.extra_env,
        }
        (self.data_dir / "logs").mkdir(exist_ok=True)
        for name in SERVICES:
            env = {**os.environ, **common, **self._own_env(name), "DATABASE_URL": database_urls[name]}
            env |= self.bus_env(name) | {"OTEL_SERVICE_NAME": name}
            ports = [embedded.free_port() for _ in range(self.replicas)]
            self.replica_urls[name] = [f"http://127.0.0.1:{port}/graphql" for port in ports]
            for index, port in enumerate(ports):
                replica, metrics_port = replica_name(name, index), embedded.free_port()
                self.metrics_urls[replica] = f"http://127.0.0.1:{metrics_port}/metrics"
                metrics = {"METRICS_HOST": "127.0.0.1", "METRICS_PORT": str(metrics_port)}
                self._launch(replica, serve_command(f"wurao_{name}.app:create_app", port), env | metrics)
        for name in SERVICES:
            for index, url in enumerate(self.replica_urls[name]):
                self.wait_ready(replica_name(name, index), url)
            self.service_urls[name] = self.replica_urls[name][0]
            if self.replicas > 1:
                port = embedded.free_port()
                backends = [url.removeprefix("http://").removesuffix("/graphql") for url in self.replica_urls[name]]
                balance = [sys.executable, "-m", "wurao_devstack.proxy", "--port", str(port), *backends]
                self._launch(f"{name}-lb", balance, dict(os.environ))
                embedded.wait_for_port(port, 30, self.processes[f"{name}-lb"])
                self.service_urls[name] = f"http://127.0.0.1:{port}/graphql"
        for name in SEEDED:
            env = {**os.environ, **common, **self._own_env(name), "DATABASE_URL": database_urls[name]}
            env |= self.bus_env(name)
            subprocess.run([sys.executable, "-m", f"wurao_{name}.seed"], env=env, check=True)  # noqa: S603
        supergraph = self.data_dir / "supergraph.graphql"
        gateway.compose(
            {name: (self.service_urls[name], REPO / "services" / name / "schema.graphql") for name in SERVICES},
            supergraph,
        )
        self.processes["gateway"] = gateway.start(
            supergraph,
            port=self.gateway_port,
            env={**common, "GATEWAY_PERSISTED_DOCUMENTS": str(web.PERSISTED_DOCUMENTS)},
            log_file=self.data_dir / "logs" / "gateway.log",
        )
        gateway.wait_ready(self.gateway_port, timeout=60)
        self._start_web(common)
        self.started_in = time.monotonic() - started

    def _start_web(self, common: dict[str, str]) -> None:
        """The web origin (front end, JWKS, public code summary) in front of the gateway and plan."""
        self.processes["web"] = web.start(
            self.web_port,
            gateway_url=self.gateway_url,
            plan_url=self.service_urls["plan"].removesuffix("/graphql"),
            reporting_url=self.service_urls["reporting"].removesuffix("/graphql"),
            env={**common, "JWT_PRIVATE_KEY_FILE": str(self.keys.jwt_private)},
            log_file=self.data_dir / "logs" / "web.log",
        )
        wait_ready(self.web_url, self.processes["web"], "web")

    def _own_env(self, name: str) -> dict[str, str]:
        """Settings only one service reads: plan signs inspection codes and points their QR codes here."""
        if name != "plan":
            return {}
        return {
            "CODE_SIGNING_KEY_FILE": str(self.keys.code_signing),
            "CODE_SIGNING_KEY_ID": "1",
            "SCAN_BASE_URL": f"{self.web_url}s/",
        }

    def _servers(self) -> tuple[str, str, str]:
        """External servers when their URL is set, else embedded ones under the data folder.

        The embedded NATS runs with one user per service, region subscriber and operator (`wurao_devstack.bus`),
        their passwords generated under the keys folder.
        """
        for variable, start in (
            ("DATABASE_URL", embedded.start_postgres),
            ("REDIS_URL", embedded.start_redis),
            ("NATS_URL", self._start_nats),
        ):
            external = self.external.get(variable) or os.environ.get(variable)
            if not external:
                server = start(self.data_dir / variable.split("_")[0].lower())
                self.servers.append(server)
            self.server_urls[variable] = external or server.url
        return self.server_urls["DATABASE_URL"], self.server_urls["REDIS_URL"], self.server_urls["NATS_URL"]

    def _start_nats(self, data_dir: Path) -> embedded.Server:
        self.nats_passwords = access.passwords(self.keys.nats_passwords, bus.user_names())
        return embedded.start_nats(data_dir, authorization=access.authorization(bus.users(self.nats_passwords)))

    def bus_env(self, user: str) -> dict[str, str]:
        """NATS_URL, and the user's credentials when this stack knows them."""
        env = {"NATS_URL": self.server_urls["NATS_URL"]}
        if self.nats_passwords is not None:
            env |= {"NATS_USER": user, "NATS_PASSWORD": self.nats_passwords[user]}
        return env

    def bus_settings(self, user: str = access.OPERATOR) -> NatsSettings:
        return NatsSettings.from_env(config.Config(environ=self.bus_env(user)))

    async def _create_stream(self) -> None:
        """The operator's job: services only find the stream."""
        nc = await connect(self.bus_settings(), name="wurao-devstack")
        try:
            await ensure_stream(nc)
        finally:
            await nc.close()

    async def _databases(self, server_url: str) -> dict[str, str]:
        return {name: await db.ensure_database(server_url, f"wurao_{name}") for name in SERVICES}

    def _launch(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        """Starts `name` now, and remembers how, so that `restart` starts it the same way (same port)."""
        self._launchers[name] = lambda: spawn(argv, env, self.data_dir / "logs" / f"{name}.log")
        self.processes[name] = self._launchers[name]()

    @contextlib.contextmanager
    def another_gateway(self, supergraph: Path, name: str, **env: str) -> Iterator[str]:
        """A gateway of its own on `supergraph` (this platform's keys; production settings, no tracing, unless `env`
        says otherwise), logged to logs/gateway-`name`.log; yields its URL and stops it afterwards."""
        port = embedded.free_port()
        process = gateway.start(
            supergraph,
            port=port,
            env={
                "JWT_PUBLIC_KEY_FILE": str(self.keys.jwt_public),
                "JWT_ISSUER": ISSUER,
                "JWT_AUDIENCE": AUDIENCE,
                "WURAO_ENV": "production",
                "OTEL_SDK_DISABLED": "true",
                **env,
            },
            log_file=self.data_dir / "logs" / f"gateway-{name}.log",
        )
        try:
            gateway.wait_ready(port, timeout=60, proc=process)
            yield f"http://127.0.0.1:{port}/graphql"
        finally:
            gateway.stop(process)

    def wait_ready(self, name: str, url: str) -> None:
        """Until the replica `name` (serving `url`) is ready: its database, NATS and Redis reachable."""
        wait_ready(url.replace("/graphql", "/readyz"), self.processes[name], name)

    def replica_names(self, service: str) -> list[str]:
        return [replica_name(service, index) for index in range(self.replicas)]

    def kill(self, name: str) -> None:
        """kill -9 the process `name` (a service replica or a balancer) and its children."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def restart(self, name: str) -> None:
        """Starts `name` again the way it first started (same port, settings and log); returns at once."""
        if self.processes[name].poll() is None:
            raise RuntimeError(f"{name} is still running")
        self.processes[name] = self._launchers[name]()

    def dead(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def stop(self) -> None:
        """Gateway first, then services (they drain their consumers and relay), then the servers."""
        balancers = [f"{name}-lb" for name in SERVICES]
        replicas = [replica for name in reversed(SERVICES) for replica in self.replica_names(name)]
        for name in ["web", "gateway", *balancers, *replicas]:
            process = self.processes.pop(name, None)
            if process is not None:
                terminate(process)
        for server in reversed(self.servers):
            server.stop()
        self.servers.clear()


def replica_name(service: str, index: int) -> str:
    """The first replica carries the service's name (`plan`), the others a number (`plan-2`)."""
    return service if index == 0 else f"{service}-{index + 1}"


def resident_bytes(process: subprocess.Popen) -> int | None:
    """The process's resident set size (Linux /proc), None when it is gone or /proc is not there."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


def cpu_seconds(process: subprocess.Popen) -> float | None:
    """CPU time the process has used so far (user and system, Linux /proc), None when it is gone."""
    try:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(*roots: int) -> float:
    """CPU seconds processes and their descendants have used so far (Linux /proc): servers and their workers. A
    descendant that ended counts through the process that waited for it (its children's time), so the total does
    not drop when a worker exits."""
    return tree_cpu_seconds_by_root({"": roots})[""]


def tree_cpu_seconds_by_root(groups: Mapping[str, Sequence[int]]) -> dict[str, float]:
    """`tree_cpu_seconds` of each group of roots, from one reading of /proc (the groups' trees should not overlap)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    spent: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        children[int(fields[1])].append(pid)
        spent[pid] = sum(map(int, fields[11:15])) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime
    totals = {}
    for name, roots in groups.items():
        total, unseen = 0.0, list(roots)
        while unseen:
            pid = unseen.pop()
            total += spent.get(pid, 0.0)
            unseen += children[pid]
        totals[name] = total
    return totals


def terminate(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_ready(url: str, process: subprocess.Popen, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}: see its log under the data folder")
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(url, timeout=1) as response,  # noqa: S310 - our own loopback URL
        ):
            if response.status == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{name} not ready after {timeout} s")
