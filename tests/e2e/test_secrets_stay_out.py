"""Secrets never reach a log, a span or an answer: not the callers' tokens, not the servers' passwords, not the
private keys; whatever the gateway's log level, and with every HTTP header captured on the services' spans."""

import re
import time
import uuid
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from wurao_common.auth import Role, issue_token
from wurao_devstack.stack import AUDIENCE, ISSUER, SERVICES

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


# A signed JWT, anyone's: no log line or span of the platform may hold one.
JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")


def _secrets(platform) -> dict[str, str]:
    """The passwords in the platform's server URLs, its NATS users' passwords, and its private keys (each line of
    their PEM bodies)."""
    found = {}
    for variable in ("DATABASE_URL", "REDIS_URL"):
        password = urlsplit(platform.server_urls[variable]).password
        assert password, f"the platform's {variable} carries a password"
        found[f"{variable}'s password"] = unquote(password)
    found |= {f"NATS password of {user}": password for user, password in platform.nats_passwords.items()}
    for key in (platform.keys.jwt_private, platform.keys.code_signing):
        lines = [line for line in key.read_text().splitlines() if line and not line.startswith("-----")]
        found |= {f"{key.name}, line {number}": line for number, line in enumerate(lines, 1)}
    return found


def _answers(platform, tokens: dict[str, str], agent: str) -> list[str]:
    """Requests with each token through the web origin, the gateway and straight to every replica of every
    subgraph, and the replicas' health, readiness and metrics: every answer's status, headers and body."""
    requests = [
        *((f"{platform.web_url}graphql", ITEMS), (platform.gateway_url, ITEMS)),
        *((url, {"query": "{ __typename }"}) for name in SERVICES for url in platform.replica_urls[name]),
    ]
    answers = []
    with httpx.Client(timeout=30, headers={"user-agent": agent}) as client:
        for url, body in requests:
            for token in tokens.values():
                answers.append(client.post(url, json=body, headers={"authorization": f"Bearer {token}"}))
        for name in SERVICES:
            for url in platform.replica_urls[name]:
                answers += [client.get(url.replace("/graphql", path)) for path in ("/healthz", "/readyz")]
        answers += [client.get(url) for url in platform.metrics_urls.values()]
    return [f"{answer.status_code} {dict(answer.headers)} {answer.text}" for answer in answers]


def _spans_of(span_sink, agent: str) -> set[tuple[str, str, str]]:
    """Every span text received once each subgraph's and the gateway's spans of the requests sent as `agent` are in."""
    wanted = {*SERVICES, "wurao-gateway"}
    for _ in range(300):
        texts = span_sink.attribute_texts()
        if wanted <= {service for service, key, text in texts if key == "http.user_agent" and text == agent}:
            return texts
        time.sleep(0.1)
    raise AssertionError("the requests' spans never arrived")


def test_no_password_key_or_token_reaches_a_log_a_span_or_an_answer_of_the_platform(platform, span_sink):
    """Every process's log (both replicas of each subgraph, the balancers, the gateways, the web origin) and every
    span of the session so far, after requests with good and bad tokens at every entry point."""
    tokens = _tokens(platform)
    agent = f"secrets-test/{uuid.uuid4().hex}"
    answers = "\n".join(_answers(platform, tokens, agent))
    spans = _spans_of(span_sink, agent)
    captured = {service for service, key, text in spans if key == "http.request.header.authorization"}
    assert captured == set(SERVICES), "each subgraph's spans carry the request's headers (their credentials redacted)"

    logs = {path.name: path.read_text(errors="replace") for path in sorted((platform.data_dir / "logs").glob("*.log"))}
    assert {*SERVICES, "gateway", "web"} <= {name.removesuffix(".log") for name in logs}
    places = [(f"log {name}", text) for name, text in logs.items()]
    places += [(f"span attribute {key} of {service}", text) for service, key, text in spans]
    secrets = {**_secrets(platform), **{f"token {name}": token for name, token in tokens.items()}}
    secrets |= {f"signature of token {name}": token.rsplit(".", 1)[1] for name, token in tokens.items()}
    leaks = {f"{what} in {place}" for place, text in places for what, secret in secrets.items() if secret in text}
    leaks |= {f"{what} in an answer" for what, secret in secrets.items() if secret in answers}
    leaks |= {f"a JWT in {place}: {found[:40]}..." for place, text in places for found in JWT.findall(text)}
    assert not leaks, "\n".join(sorted(leaks))
