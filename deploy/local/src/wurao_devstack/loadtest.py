"""`make load`: simulated users through the gateway for a while, then the invariants.

python -m wurao_devstack.loadtest [--users 200] [--seconds 300] [--replicas 2] [--units 200] [--think 1 3]

Starts the platform on embedded servers in a temporary folder (`--replicas` processes per subgraph behind the
balancers), arranges the demo's coded items plus generated ones and `--units` generated village committees beside
the demo's, then runs `--users` closed-loop users, each waiting a random think time between requests: 70% reads
(an office across two subgraphs, region and unit figures), 30% scans and check-ins (a finding after some
admitted visits), every request from another caller. Prints p50/p95/p99 and the error rate per operation, waits
for the backlog to drain and checks the invariants of `wurao_devstack.audit` (exit 1 if one fails).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from wurao_common import embedded
from wurao_devstack import audit, traffic
from wurao_devstack.stack import Stack


async def _run(stack: Stack, args: argparse.Namespace) -> bool:
    world = await traffic.prepare(stack, units=args.units, items=args.items)
    users = traffic.Traffic(world, seed=args.seed, think=tuple(args.think))
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"{args.users} users for {args.seconds:.0f} s over {len(world.units)} units and {len(world.items)} coded "
        f"items, think time {args.think[0]}-{args.think[1]} s, {stack.replicas} replicas per subgraph "
        f"(cpus {os.cpu_count()}, load average {load}) ...",
        flush=True,
    )
    elapsed = await users.run(users=args.users, seconds=args.seconds)
    stats = users.stats
    errors = sum(stats.errors.values())
    print(
        f"\n{stats.requests} requests in {elapsed:.0f} s, {stats.requests / elapsed:.1f} req/s, "
        f"error rate {errors / max(stats.requests, 1):.2%}\n{stats.table(elapsed)}",
        flush=True,
    )
    print("\n".join(stats.details()))
    result = await audit.drain(stack, bound=args.bound)
    result = await audit.check(stack, result, units=[unit for unit, _ in world.units], year=world.year)
    print(f"after the load:\n{result.report(args.bound)}", flush=True)
    return result.ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--units", type=int, default=200, help="generated units beside the demo's")
    parser.add_argument("--items", type=int, default=5, help="generated coded items beside the demo's")
    parser.add_argument("--think", type=float, nargs=2, default=[1.0, 3.0], metavar=("MIN", "MAX"))
    parser.add_argument("--bound", type=float, default=120, help="seconds the backlog must drain within")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wurao-load-") as folder:
        stack = Stack(
            data_dir=Path(folder),
            gateway_port=embedded.free_port(),
            replicas=args.replicas,
            extra_env={"SWEEP_SECONDS": "5"},  # reminders due within the run go out within it
        )
        print("starting the platform ...", flush=True)
        stack.start()
        try:
            return 0 if asyncio.run(_run(stack, args)) else 1
        finally:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
