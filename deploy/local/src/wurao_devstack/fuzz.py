"""Fuzzing: schemathesis's GraphQL support against the gateway and every subgraph, with real tokens of several roles.

Each endpoint's schema is read by introspection (development profile); every query and mutation field gets
generated operations (valid ones, and invalid ones for the refusal paths), sent once per role. A finding is a
5xx, a body that is not a JSON GraphQL response, a stack trace in a response, or a masked internal error (which
the subgraph logs with its stack trace); the services' and the gateway's logs are read for stack traces too.

`make fuzz` (`python -m wurao_devstack.fuzz`) runs a large round on a platform of its own; `make test` runs a
small one (tests/e2e/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode

from wurao_common import embedded
from wurao_common.auth import Role
from wurao_devstack.stack import SERVICES, Stack

GRAPHQL_RESPONSE = "application/graphql-response+json"
UNEXPECTED = ("Internal error", "Unexpected error")  # how the subgraphs and the gateway mask a bug
# A bug, or with every server up, a store or subgraph that should have answered (a connection race, say).
UNEXPECTED_CODES = ("INTERNAL", "UNAVAILABLE")
# A Python traceback or one of its frames, or a Node stack frame ("    at fn (/path/file.js:12:34)").
STACK_TRACE = re.compile(r'Traceback \(most recent call last\)|File "/[^"]+", line \d+|^\s+at .+:\d+:\d+\)?$', re.M)


@dataclass(frozen=True)
class Caller:
    """A role with the claims of a real, seeded office or unit."""

    name: str
    role: Role
    region: str
    office: str | None = None
    unit: str | None = None


# Every role, as seeded (wurao_plan.seed.demo). `make fuzz` runs them all on a platform of its own.
EVERY_ROLE = (
    Caller("province office", Role.PROVINCE_OFFICE, "43", office="43-dcs"),
    Caller("city office", Role.CITY_OFFICE, "4310", office="4310-dcs"),
    Caller("county office", Role.COUNTY_OFFICE, "431024", office="431024-dcs"),
    Caller("inspector", Role.INSPECTOR, "431024", office="431024-dcs"),
    Caller("unit", Role.UNIT, "431024106201", unit="431024106201-cwh"),
    Caller("observer", Role.OBSERVER, "43"),
)
# Roles whose mutations cannot disturb other tests on a shared platform: no province office (it sets the caps
# every check-in obeys), and offices and units of Hengyang, which no other end-to-end test touches.
SHARED_PLATFORM_ROLES = (
    Caller("county office", Role.COUNTY_OFFICE, "430422", office="430422-dcs"),
    Caller("inspector", Role.INSPECTOR, "430421", office="430421-dcs"),
    Caller("unit", Role.UNIT, "430421101200", unit="430421101200-cwh"),
    Caller("observer", Role.OBSERVER, "43"),
)


@dataclass
class Finding:
    endpoint: str
    caller: str
    operation: str
    status: int
    query: str
    detail: str

    def __str__(self) -> str:
        return f"{self.endpoint} as {self.caller}, {self.operation}: {self.status} {self.detail}\n  {self.query[:500]}"


@dataclass
class Report:
    operations: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_endpoint: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    log_traces: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        endpoints = ", ".join(f"{name}: {count}" for name, count in self.by_endpoint.items())
        return (
            f"{self.operations} operations in {self.seconds:.0f} s ({endpoints}); statuses {statuses}; "
            f"{len(self.findings)} findings, {len(self.log_traces)} stack traces in the logs"
        )


def _problem(response: httpx.Response) -> str | None:
    """What is wrong with a response, if anything."""
    if response.status_code >= 500:
        return "a server error"
    if STACK_TRACE.search(response.text):
        return "a stack trace in the response"
    if response.status_code in (401, 406, 413, 415, 429):
        return None  # refused before GraphQL, in plain JSON
    try:
        body = response.json()
    except ValueError:
        return "a body that is not JSON"
    if not isinstance(body, dict) or not ("data" in body or body.get("errors")):
        return "a body that is no GraphQL response"
    for error in body.get("errors") or ():
        message = str(error.get("message", ""))
        if (error.get("extensions") or {}).get("code") in UNEXPECTED_CODES or message.startswith(UNEXPECTED):
            return f"an unexpected error: {error}"
    return None


def endpoints(stack: Stack) -> dict[str, str]:
    return {"gateway": stack.gateway_url, **{name: stack.service_urls[name] for name in SERVICES}}


def _operations(url: str, token: str) -> list:
    schema = schemathesis.graphql.from_url(url, headers={"authorization": f"Bearer {token}"}, timeout=30)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label.startswith("Subscription."):
            continue  # served as server-sent events, not a request and a response
        found.append(operation)
    return found


def fuzz(
    stack: Stack,
    *,
    examples: int,
    callers: Iterable[Caller],
    only: Iterable[str] | None = None,
    negative_share: int = 4,
) -> Report:
    """`examples` generated operations per field, endpoint and caller (one in `negative_share` invalid)."""
    report = Report()
    started = time.monotonic()
    callers = list(callers)
    tokens = {
        caller.name: stack.keys.token(caller.role, caller.region, office=caller.office, unit=caller.unit)
        for caller in callers
    }
    with _log_watch(stack.data_dir / "logs") as traces, httpx.Client(timeout=60) as client:
        for endpoint, url in endpoints(stack).items():
            if only is not None and endpoint not in only:
                continue
            operations = _operations(url, next(iter(tokens.values())))
            for caller in callers:
                headers = {
                    "authorization": f"Bearer {tokens[caller.name]}",
                    "accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9",
                }
                for operation in operations:
                    for mode, count in _modes(examples, negative_share):
                        _run(client, url, headers, operation, mode, count, endpoint, caller.name, report)
        report.log_traces = traces()
    report.seconds = time.monotonic() - started
    return report


def _modes(examples: int, negative_share: int) -> list[tuple[GenerationMode, int]]:
    negative = examples // negative_share
    return [(GenerationMode.POSITIVE, examples - negative), (GenerationMode.NEGATIVE, negative)]


def _run(client, url, headers, operation, mode, count, endpoint, caller, report: Report) -> None:
    if count <= 0:
        return

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case) -> None:
        query = case.body if isinstance(case.body, str) else json.dumps(case.body)
        response = client.post(url, json={"query": query}, headers=headers)
        report.operations += 1
        report.statuses[response.status_code] += 1
        report.by_endpoint[endpoint] += 1
        problem = _problem(response)
        if problem:
            report.findings.append(
                Finding(
                    endpoint, caller, operation.label, response.status_code, query, f"{problem}: {response.text[:300]}"
                )
            )

    send()


@contextmanager
def _log_watch(folder: Path) -> Iterator:
    """What the logs under `folder` gain while the block runs: the lines that belong to stack traces."""
    sizes = {path: path.stat().st_size for path in folder.glob("*.log")}

    def traces() -> list[str]:
        found = []
        for path in folder.glob("*.log"):
            with path.open("rb") as log:
                log.seek(sizes.get(path, 0))
                for line in log.read().decode("utf-8", "replace").splitlines():
                    if STACK_TRACE.search(line):
                        found.append(f"{path.name}: {line}")
        return found

    yield traces


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wurao_devstack.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--examples", type=int, default=15, help="generated operations per field, endpoint and role (15: >10,000)"
    )
    parser.add_argument("--show", type=int, default=20, help="findings to print")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wurao-fuzz-") as folder:
        stack = Stack(data_dir=Path(folder), gateway_port=embedded.free_port())
        print("starting a platform of its own ...", flush=True)
        stack.start()
        try:
            report = fuzz(stack, examples=args.examples, callers=EVERY_ROLE)
        finally:
            stack.stop()
    print(report.summary(), flush=True)
    for finding in report.findings[: args.show]:
        print(finding)
    for line in report.log_traces[: args.show]:
        print(line)
    return 1 if report.findings or report.log_traces else 0


if __name__ == "__main__":
    sys.exit(main())
