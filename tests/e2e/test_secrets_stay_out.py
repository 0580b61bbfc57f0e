"""Secrets never reach a log: not the callers' tokens, whatever the gateway's log level."""

import httpx
import pytest

from wurao_common.auth import Role, issue_token
from wurao_devstack.stack import AUDIENCE, ISSUER

pytestmark = pytest.mark.e2e
# Two subgraphs (plan, and reporting for the office's load), each called with the caller's token.
ITEMS = {
    "query": "query($id: ID!) { items(officeId: $id) { id } office(id: $id) { name load { plansDrafted } } }",
    "variables": {"id": "431024-dcs"},
}


def _tokens(platform) -> dict[str, str]:
    """Tokens that authenticate, and tokens refused for a reason each (their signatures as secret as theirs)."""
    keys = platform.keys
    office = keys.token(Role.COUNTY_OFFICE, "431024", office="431024-dcs")
    expired = issue_token(
        keys.jwt_private.read_bytes(),
        issuer=ISSUER,
        audience=AUDIENCE,
        role=Role.OBSERVER,
        region="43",
        ttl_seconds=-60,
    )
    return {
        "office": office,
        "observer": keys.token(Role.OBSERVER, "43"),
        "tampered": office[:-6] + ("AAAAAA" if not office.endswith("AAAAAA") else "BBBBBB"),
        "expired": expired,
    }


def _leaks(text: str, tokens: dict[str, str]) -> list[str]:
    """Which tokens (or their signatures alone) appear in `text`."""
    return [name for name, token in tokens.items() if token in text or token.rsplit(".", 1)[1] in text]


def test_a_gateway_logging_at_debug_level_writes_no_token(platform):
    """At LOG_LEVEL=debug Hive Gateway logs every subgraph request with its headers: the caller's bearer token was
    written with each one."""
    tokens = _tokens(platform)
    log = platform.data_dir / "logs" / "gateway-debug.log"
    supergraph = platform.data_dir / "supergraph.graphql"
    with platform.another_gateway(supergraph, "debug", LOG_LEVEL="debug") as url, httpx.Client(timeout=30) as client:
        statuses = {
            name: client.post(url, json=ITEMS, headers={"authorization": f"Bearer {token}"}).status_code
            for name, token in tokens.items()
        }
    assert statuses == {"office": 200, "observer": 200, "tampered": 401, "expired": 401}
    written = log.read_text()
    assert "[useFetchDebug] Request" in written, "subgraph requests are logged with their headers at debug level"
    assert not _leaks(written, tokens), _leaks(written, tokens)
    assert 'authorization: "[REDACTED]"' in written
