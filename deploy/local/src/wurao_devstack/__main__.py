"""`make run`: the whole platform on this machine until Ctrl-C. Data stays under WURAO_DATA_DIR (.wurao/)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

from wurao_common.auth import Role
from wurao_devstack.stack import REPO, Stack

FIRST_QUERY = 'query { office(id: "431024-dcs") { name region plans { year status } load { plansDrafted } } }'


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _replicas(stack: Stack, name: str) -> str:
    """With WURAO_REPLICAS > 1 the printed address is a balancer: name the replicas behind it."""
    if stack.replicas == 1:
        return ""
    return f"  (balancing over {', '.join(url.removesuffix('/graphql') for url in stack.replica_urls[name])})"


def _feed(stack: Stack) -> str:
    """Where a provincial subscriber connects (examples/provincial_subscriber), when this run started NATS itself
    (its port is a free one, its users' passwords generated): nothing to print for a NATS_URL of one's own."""
    if stack.nats_passwords is None:
        return ""
    return (
        f"  nats       {stack.server_urls['NATS_URL']}  (event feed; users' passwords: {stack.keys.nats_passwords})\n"
    )


def main() -> int:
    data_dir = Path(os.environ.get("WURAO_DATA_DIR", REPO / ".wurao"))
    port = int(os.environ.get("GATEWAY_PORT", "4000"))
    if not _port_is_free(port):
        print(f"port {port} is taken: set GATEWAY_PORT to another port", file=sys.stderr)
        return 2
    web_port = int(os.environ.get("WEB_PORT", str(port + 80)))
    if not _port_is_free(web_port):
        print(f"port {web_port} is taken: set WEB_PORT to another port", file=sys.stderr)
        return 2
    replicas = os.environ.get("WURAO_REPLICAS", "1")
    if not replicas.isdigit() or not 1 <= int(replicas) <= 8:
        print(f"setting WURAO_REPLICAS: a whole number from 1 to 8, not {replicas!r}", file=sys.stderr)
        return 2
    stack = Stack(data_dir=data_dir, gateway_port=port, web_port=web_port, replicas=int(replicas))
    stopping = False

    def request_stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(f"starting wurao (data in {data_dir}) ...", flush=True)
    try:
        stack.start()
        token = stack.keys.token(Role.COUNTY_OFFICE, "431024", office="431024-dcs", subject="chen-yuehui")
        body = json.dumps({"query": FIRST_QUERY}, ensure_ascii=False)
        print(
            f"\nwurao is up in {stack.started_in:.1f} s.\n\n"
            f"  web        {stack.web_url}  (scan page, console, dashboard)\n"
            f"  gateway    {stack.gateway_url}  (GraphiQL in a browser)\n"
            + "".join(
                f"  {name:<10} {url}{_replicas(stack, name)}  (metrics: {stack.metrics_urls[name]})\n"
                for name, url in stack.service_urls.items()
            )
            + _feed(stack)
            + f"\nA development token (嘉禾县委督查室, 12 h):\n\n  export TOKEN={token}\n\n"
            f'A first query:\n\n  curl -s {stack.gateway_url} -H "authorization: Bearer $TOKEN" '
            f"-H 'content-type: application/json' -d '{body}'\n\n"
            "More tokens: .tools/bin/uv run --no-sync python -m wurao_devstack.token --help.  Ctrl-C stops everything.",
            flush=True,
        )
        while not stopping:
            dead = stack.dead()
            if dead:
                print(f"{', '.join(dead)} stopped unexpectedly: see {data_dir / 'logs'}", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        print("stopping ...", flush=True)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
