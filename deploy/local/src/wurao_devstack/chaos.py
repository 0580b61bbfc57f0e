"""`make chaos`: two replicas of everything under mixed traffic while servers and services die and the network
stalls; afterwards every backlog must drain within a bound and every invariant of `wurao_devstack.audit` hold.

python -m wurao_devstack.chaos [--seconds 120] [--users 20] [--every 8] [--bound 120] [--seed N]

The platform runs on its own embedded PostgreSQL, Redis and NATS in a temporary folder; the services reach
each through a fault proxy (`wurao_devstack.proxy`). At random moments (about every `--every` seconds, one
fault at a time, each kind in turn before any repeats) it:
  - kill -9s PostgreSQL, Redis or NATS and starts it again on the same port and data (Redis comes back empty);
  - kill -9s a random replica of each service in turn, and starts it again a moment later;
  - stalls the proxy in front of PostgreSQL, Redis or NATS: connections stay open and nothing passes (half-open)
    for a few seconds, then either flows again or is reset.
A supervisor restarts any replica that exits on its own (as a kubelet would). When the traffic stops, it waits
for every replica to be ready and measures the time from the traffic's end until nothing is left to deliver
(healing included), then audits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from wurao_common import embedded
from wurao_common.bus import access
from wurao_devstack import audit, bus, traffic
from wurao_devstack.proxy import Proxy
from wurao_devstack.stack import SERVICES, Stack

KINDS = ("postgres", "redis", "nats", "stall", *SERVICES)
SERVERS = ("postgres", "redis", "nats")


@dataclass
class Outcome:
    seconds: float
    faults: Counter = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)  # what happened when
    restarts: int = 0  # replicas the supervisor brought back after they exited on their own
    traffic: traffic.Stats | None = None
    audit: audit.Audit | None = None

    @property
    def ok(self) -> bool:
        return self.audit is not None and self.audit.ok


class Chaos:
    def __init__(self, folder: Path, *, seed: int, replicas: int = 2) -> None:
        self.folder = folder
        self.random = random.Random(seed)  # noqa: S311 - which fault comes next, not a secret
        self.replicas = replicas
        self.servers: dict[str, embedded.Server] = {}
        self.proxies: dict[str, Proxy] = {}
        self.stack: Stack | None = None
        self.down: set[str] = set()  # replicas killed on purpose, not for the supervisor to restart
        self.started = time.monotonic()
        # The bus runs with its users (one per service, the operator), as `make run` runs it.
        self.nats_passwords = access.passwords(folder / "nats-passwords.json", bus.user_names())

    def _start_server(self, kind: str, port: int | None = None) -> embedded.Server:
        folder = self.folder / kind
        if kind == "nats":
            users = access.authorization(bus.users(self.nats_passwords))
            return embedded.start_nats(folder, port, authorization=users)
        return embedded.start_postgres(folder, port) if kind == "postgres" else embedded.start_redis(folder, port)

    def _say(self, outcome: Outcome, text: str) -> None:
        line = f"  {time.monotonic() - self.started:7.1f} s  {text}"
        outcome.log.append(line)
        print(line, flush=True)

    async def start(self) -> Stack:
        for kind in SERVERS:
            self.servers[kind] = await asyncio.to_thread(self._start_server, kind)
            self.proxies[kind] = Proxy([("127.0.0.1", self.servers[kind].port)])
            await self.proxies[kind].start()
        ports = {kind: proxy.port for kind, proxy in self.proxies.items()}
        self.stack = Stack(
            data_dir=self.folder / "platform",
            gateway_port=embedded.free_port(),
            replicas=self.replicas,
            external={
                "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{ports['postgres']}/postgres",
                "REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
                "NATS_URL": f"nats://127.0.0.1:{ports['nats']}",
            },
            extra_env={"SWEEP_SECONDS": "2", "CAPS_RECONCILE_SECONDS": "10"},
            nats_passwords=self.nats_passwords,
        )
        await asyncio.to_thread(self.stack.start)
        return self.stack

    async def stop(self) -> None:
        if self.stack is not None:
            await asyncio.to_thread(self.stack.stop)
        for proxy in self.proxies.values():
            await proxy.close()
        for server in self.servers.values():
            await asyncio.to_thread(server.stop)

    async def inject(self, kind: str, outcome: Outcome) -> None:
        assert self.stack is not None
        outcome.faults[kind] += 1
        if kind in SERVERS:
            server = self.servers[kind]
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            await asyncio.to_thread(server.process.wait)
            server.stop()  # closes its log
            down = self.random.uniform(0.5, 3)
            self._say(outcome, f"kill -9 {kind}; back in {down:.1f} s")
            await asyncio.sleep(down)
            self.servers[kind] = await asyncio.to_thread(self._start_server, kind, server.port)
        elif kind in SERVICES:
            name = self.random.choice(self.stack.replica_names(kind))
            self.down.add(name)
            await asyncio.to_thread(self.stack.kill, name)
            down = self.random.uniform(0.5, 3)
            self._say(outcome, f"kill -9 {name}; started again in {down:.1f} s")
            await asyncio.sleep(down)
            self.stack.restart(name)
            self.down.discard(name)
        else:
            target = self.random.choice(list(self.proxies))
            held, cut = self.random.uniform(2, 6), self.random.random() < 0.5
            self._say(outcome, f"stall {target} for {held:.1f} s, then {'reset' if cut else 'let through'}")
            self.proxies[target].stall()
            await asyncio.sleep(held)
            if cut:
                self.proxies[target].cut()
            self.proxies[target].resume()

    async def faults(self, until: float, every: float, outcome: Outcome, kinds: tuple[str, ...]) -> None:
        """One fault at a time at random moments; every kind once (shuffled) before any comes again."""
        queue: list[str] = []
        while True:
            await asyncio.sleep(self.random.uniform(0.5, 1.5) * every)
            if time.monotonic() >= until:
                return
            if not queue:
                queue = self.random.sample(kinds, len(kinds))
            await self.inject(queue.pop(), outcome)

    async def supervise(self, outcome: Outcome, stopping: asyncio.Event) -> None:
        """Starts again any replica that exited on its own, as a kubelet would."""
        assert self.stack is not None
        while not stopping.is_set():
            for name in self.stack.dead():
                if name not in self.down and name not in ("gateway", "web"):
                    outcome.restarts += 1
                    self._say(outcome, f"{name} exited on its own: started again")
                    self.stack.restart(name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), 1)

    async def heal(self, timeout: float = 120) -> None:
        """Every proxy flowing and every replica ready (the supervisor restarts any that exits meanwhile)."""
        assert self.stack is not None
        for proxy in self.proxies.values():
            proxy.resume()
        urls = [url.replace("/graphql", "/readyz") for urls in self.stack.replica_urls.values() for url in urls]
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=5) as client:
            while True:
                ready = 0
                for url in urls:
                    with contextlib.suppress(httpx.HTTPError):
                        ready += (await client.get(url)).status_code == 200
                if ready == len(urls):
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"only {ready} of {len(urls)} replicas ready {timeout:.0f} s after the faults")
                await asyncio.sleep(0.5)


async def run(
    folder: Path,
    *,
    seconds: float,
    users: int,
    every: float,
    bound: float,
    seed: int,
    kinds: tuple[str, ...] = KINDS,
    units: int = 30,
    items: int = 3,
) -> Outcome:
    chaos = Chaos(folder, seed=seed)
    outcome = Outcome(seconds=seconds)
    try:
        print("starting two replicas of everything behind fault proxies ...", flush=True)
        stack = await chaos.start()
        world = await traffic.prepare(stack, units=units, items=items)
        load = traffic.Traffic(world, seed=seed, think=(0.2, 0.8))
        chaos.started = time.monotonic()
        print(f"{users} users for {seconds:.0f} s, a fault about every {every:.0f} s:", flush=True)
        stopping = asyncio.Event()
        supervisor = asyncio.create_task(chaos.supervise(outcome, stopping))
        until = time.monotonic() + seconds
        await asyncio.gather(load.run(users=users, seconds=seconds), chaos.faults(until, every, outcome, kinds))
        outcome.traffic = load.stats
        stopped = time.monotonic()
        chaos._say(outcome, "traffic stopped; healing")
        try:
            await chaos.heal()
        finally:
            stopping.set()
            await supervisor
        result = await audit.drain(stack, bound=bound, since=stopped)  # healing counts towards the bound
        outcome.audit = await audit.check(stack, result, units=[unit for unit, _ in world.units], year=world.year)
        return outcome
    finally:
        await chaos.stop()


def report(outcome: Outcome, bound: float) -> str:
    stats = outcome.traffic
    kinds = ", ".join(f"{kind} {count}" for kind, count in outcome.faults.items())
    lines = [
        f"faults injected: {sum(outcome.faults.values())} ({kinds}), "
        f"replicas restarted after exiting on their own: {outcome.restarts}",
    ]
    if stats is not None:
        lines += [f"traffic through the gateway ({stats.requests} requests):", stats.table(outcome.seconds)]
        lines += stats.details()
    if outcome.audit is not None:
        lines += ["after the faults:", outcome.audit.report(bound)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--every", type=float, default=8, help="mean seconds between faults")
    parser.add_argument("--bound", type=float, default=120, help="seconds every backlog must drain within")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    print(f"chaos seed {args.seed}", flush=True)
    with tempfile.TemporaryDirectory(prefix="wurao-chaos-") as folder:
        outcome = asyncio.run(
            run(
                Path(folder),
                seconds=args.seconds,
                users=args.users,
                every=args.every,
                bound=args.bound,
                seed=args.seed,
            )
        )
    print(report(outcome, args.bound), flush=True)
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
