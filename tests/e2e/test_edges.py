"""Every entry point refuses the unauthenticated and the malformed with a clear 4xx, never a 500."""

import base64
import json

import httpx
import pytest

from wurao_common.auth import Role, generate_signing_key, issue_token
from wurao_devstack.stack import AUDIENCE, ISSUER, SERVICES

pytestmark = pytest.mark.e2e
QUERY = {"query": "{ offices { id } }"}


def _endpoints(platform) -> list[str]:
    return [platform.gateway_url, *(platform.service_urls[name] for name in SERVICES)]


def _alg_none(platform) -> str:
    claims = json.loads(base64.urlsafe_b64decode(platform.keys.token(Role.OBSERVER, "43").split(".")[1] + "=="))
    part = lambda value: base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _bad_tokens(platform) -> dict[str, str | None]:
    other_key, _ = generate_signing_key()
    return {
        "none": None,
        "expired": platform.keys.token(Role.OBSERVER, "43", ttl_seconds=-600),
        "forged": issue_token(other_key, issuer=ISSUER, audience=AUDIENCE, role=Role.OBSERVER, region="43"),
        "alg-none": _alg_none(platform),
        "garbage": "not-a-jwt",
    }


@pytest.mark.parametrize("kind", ["none", "expired", "forged", "alg-none", "garbage"])
def test_bad_tokens_are_refused_at_the_gateway_and_at_every_subgraph(platform, kind):
    token = _bad_tokens(platform)[kind]
    headers = {"authorization": f"Bearer {token}"} if token else {}
    for url in _endpoints(platform):
        response = httpx.post(url, json=QUERY, headers=headers, timeout=10)
        # Hive Gateway answers a token that is not a JWT at all with 400; everything else is 401.
        allowed = (400, 401) if kind == "garbage" else (401,)
        assert response.status_code in allowed, (url, response.status_code, response.text)
        assert "data" not in response.json() or response.json()["data"] is None


def test_a_valid_token_is_served_everywhere(platform):
    headers = {"authorization": f"Bearer {platform.keys.token(Role.OBSERVER, '43')}"}
    response = httpx.post(platform.gateway_url, json=QUERY, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["offices"], response.text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"123", "application/json"),
        (b'"x"', "application/json"),
        (b"\xff\xfe\xfa", "application/json"),
        (b"{not json", "application/json"),
        (b'{"query": 5}', "application/json"),
        (b"query { offices { id } }", "text/plain"),
        (b'{"query": "' + b"a" * (2 << 20) + b'"}', "application/json"),
    ],
    ids=["json-number", "json-string", "broken-utf8", "broken-json", "query-not-string", "wrong-type", "oversized"],
)
def test_malformed_bodies_get_a_clear_4xx_never_a_500(platform, body, content_type):
    headers = {"authorization": f"Bearer {platform.keys.token(Role.OBSERVER, '43')}", "content-type": content_type}
    for url in _endpoints(platform):
        response = httpx.post(url, content=body, headers=headers, timeout=30)
        assert 400 <= response.status_code < 500, (url, response.status_code, response.text[:200])
        assert response.text.strip(), url


def test_too_deep_a_query_is_refused_at_the_gateway_and_at_every_subgraph(platform):
    # Depth is checked with validation, so the fields need not exist: the refusal must name the depth.
    deep = "{ offices" + " { a" * 14 + " }" * 14 + " }"
    headers = {"authorization": f"Bearer {platform.keys.token(Role.OBSERVER, '43')}"}
    for url in _endpoints(platform):
        response = httpx.post(url, json={"query": deep}, headers=headers, timeout=10)
        assert response.status_code in (200, 400), (url, response.status_code)
        assert "depth" in response.text.lower(), (url, response.text)
