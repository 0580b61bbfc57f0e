"""Runs the platform once and every benchmark scenario against it (`make bench`, BENCH_ARGS to choose).

python -m wurao_devstack.bench [--seconds 8] [--concurrency 20] [--only KIND ...] [--rounds 3] [scenario ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from wurao_common import embedded
from wurao_devstack.bench.fast_paths import KINDS, ROUNDS
from wurao_devstack.bench.load import GraphQLWorker
from wurao_devstack.bench.scenarios import SCENARIOS
from wurao_devstack.stack import Stack


def _at_least_one(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--seconds", type=float, default=8.0, help="measured time per measurement (fast-paths: split into its rounds)"
    )
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--only",
        action="append",
        choices=KINDS,
        default=[],
        help="fast-paths: measure only this kind (repeatable; e.g. while profiling one path)",
    )
    parser.add_argument(
        "--rounds",
        type=_at_least_one,
        default=ROUNDS,
        help="fast-paths: split each measurement's seconds into this many runs, taken in turn with the others'",
    )
    parser.add_argument("scenarios", nargs="*", choices=[[], *SCENARIOS], default=[])
    args = parser.parse_args()
    chosen = args.scenarios or list(SCENARIOS)
    with tempfile.TemporaryDirectory(prefix="wurao-bench-") as folder:
        # No trace exporter configured, as in a deployment without one: no span is made per request.
        stack = Stack(data_dir=Path(folder), gateway_port=embedded.free_port())
        print("starting the platform (2 cores shared with the load generator; compare ratios) ...", flush=True)
        stack.start()
        try:
            load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
            print(
                f"cpus: {os.cpu_count()} (load average {load} before the first scenario), "
                f"concurrency {args.concurrency}, {args.seconds:.0f} s per measurement\n"
            )
            for name in chosen:
                print(f"{name}: {SCENARIOS[name].__doc__.strip().splitlines()[0]}")
                options = {"only": args.only, "rounds": args.rounds} if name == "fast-paths" else {}
                asyncio.run(SCENARIOS[name](stack, seconds=args.seconds, concurrency=args.concurrency, **options))
                for failure in GraphQLWorker.failures:
                    print(f"  a failed answer: {failure}")
                GraphQLWorker.failures.clear()
                print()
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
