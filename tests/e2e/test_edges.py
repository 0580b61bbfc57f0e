"""Every entry point refuses the unauthenticated and the malformed with a clear 4xx, never a 500."""

import base64
import json
import time

import httpx
import pytest

from wurao_common.auth import Role
from wurao_common.hostile_tokens import hostile_tokens
from wurao_devstack.stack import AUDIENCE, ISSUER, SERVICES

pytestmark = pytest.mark.e2e
QUERY = {"query": "{ offices { id } }"}


def _endpoints(platform) -> list[str]:
    return [platform.gateway_url, *(platform.service_urls[name] for name in SERVICES)]


def _hostile_tokens(platform) -> dict[str, str]:
    """200 tokens an attacker or a broken client might send; not one of them may authenticate anyone."""
    keys = platform.keys
    return hostile_tokens(keys.jwt_private.read_bytes(), keys.jwt_public.read_bytes(), issuer=ISSUER, audience=AUDIENCE)


def test_200_hostile_tokens_are_refused_with_401_at_the_gateway_and_at_every_subgraph(platform):
    tokens = _hostile_tokens(platform)
    assert len(tokens) >= 200
    wrong = []
    with httpx.Client(timeout=10) as client:
        for name, token in tokens.items():
            for url in _endpoints(platform):
                response = client.post(url, json=QUERY, headers={"authorization": f"Bearer {token}"})
                body = response.json()
                if response.status_code != 401 or body.get("data") is not None or "Traceback" in response.text:
                    wrong.append(f"{name} at {url}: {response.status_code} {response.text[:120]}")
    assert not wrong, "\n".join(wrong)


def test_the_gateway_lets_no_other_origins_page_call_it_from_a_browser(platform):
    """The web app is served from the gateway's own origin. Yoga's default answered any Origin with
    Access-Control-Allow-Origin and Allow-Credentials: true."""
    origin = {"origin": "https://evil.example"}
    with httpx.Client(timeout=10) as client:
        preflight = client.options(
            platform.gateway_url,
            headers={
                **origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization",
            },
        )
        call = client.post(platform.gateway_url, json=QUERY, headers=origin)
    for response in (preflight, call):
        assert "access-control-allow-origin" not in response.headers, response.headers
        assert "access-control-allow-credentials" not in response.headers


def test_no_token_is_refused_with_401_everywhere(platform):
    for url in _endpoints(platform):
        response = httpx.post(url, json=QUERY, timeout=10)
        assert response.status_code == 401, (url, response.status_code, response.text)


def test_a_valid_token_is_served_everywhere(platform):
    headers = {"authorization": f"Bearer {platform.keys.token(Role.OBSERVER, '43')}"}
    response = httpx.post(platform.gateway_url, json=QUERY, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["offices"], response.text


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_token_the_gateway_remembers_as_verified_is_refused_once_it_expires(platform):
    """The gateway remembers verified tokens (their signature is not checked again), never past their `exp`."""
    token = platform.keys.token(Role.OBSERVER, "43", ttl_seconds=6)
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(timeout=10) as client:
        for _ in range(2):  # verified, then served as remembered
            response = client.post(platform.gateway_url, json=QUERY, headers=headers)
            assert response.status_code == 200, response.text
        time.sleep(max(0.0, _claims(token)["exp"] - time.time()) + 1)
        response = client.post(platform.gateway_url, json=QUERY, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json().get("data") is None


def test_a_remembered_token_with_another_signature_or_other_claims_is_refused(platform):
    token = platform.keys.token(Role.OBSERVER, "43")
    header, payload, signature = token.split(".")
    other_claims = json.dumps({**_claims(token), "role": "province_office", "region": "43"}).encode()
    forged_payload = base64.urlsafe_b64encode(other_claims).rstrip(b"=").decode()
    forged_signature = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    with httpx.Client(timeout=10) as client:
        response = client.post(platform.gateway_url, json=QUERY, headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        for forged in (f"{header}.{payload}.{forged_signature}", f"{header}.{forged_payload}.{signature}"):
            response = client.post(platform.gateway_url, json=QUERY, headers={"authorization": f"Bearer {forged}"})
            assert response.status_code == 401, response.text


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


def test_a_body_sent_in_chunks_without_content_length_is_held_to_the_same_limit(platform):
    headers = {
        "authorization": f"Bearer {platform.keys.token(Role.OBSERVER, '43')}",
        "content-type": "application/json",
    }

    def chunks(total: int):
        yield b'{"query": "{ __typename }", "extensions": {"pad": "'
        for _ in range(total // 65536):
            yield b"a" * 65536
        yield b'"}}'

    for url in _endpoints(platform):
        oversized = httpx.post(url, content=chunks(3 << 20), headers=headers, timeout=30)
        assert oversized.status_code == 413, (url, oversized.status_code, oversized.text[:200])
        small = httpx.post(url, content=chunks(65536), headers=headers, timeout=30)
        assert small.status_code == 200, (url, small.status_code, small.text[:200])
        assert small.json()["data"] == {"__typename": "Query"}, url


def test_too_deep_a_query_is_refused_at_the_gateway_and_at_every_subgraph(platform):
    # Depth is checked with validation, so the fields need not exist: the refusal must name the depth.
    deep = "{ offices" + " { a" * 14 + " }" * 14 + " }"
    headers = {"authorization": f"Bearer {platform.keys.token(Role.OBSERVER, '43')}"}
    for url in _endpoints(platform):
        response = httpx.post(url, json={"query": deep}, headers=headers, timeout=10)
        assert response.status_code in (200, 400), (url, response.status_code)
        assert "depth" in response.text.lower(), (url, response.text)


def test_a_rejected_token_leaves_one_log_line_at_the_gateway_and_no_stack_trace(platform):
    """The JWT plugin used to log the verifier's whole stack (17 lines) for every bad token."""
    log = platform.data_dir / "logs" / "gateway.log"
    before = log.stat().st_size
    tokens = _hostile_tokens(platform)
    with httpx.Client(timeout=10) as client:
        for token in tokens.values():
            response = client.post(platform.gateway_url, json=QUERY, headers={"authorization": f"Bearer {token}"})
            assert response.status_code == 401, response.text
    with log.open("rb") as file:
        file.seek(before)
        written = file.read().decode()
    lines = written.splitlines()
    rejections = [line for line in lines if "authentication token" in line]
    assert rejections, "the tokens that reach the verifier are logged as rejected"
    assert len(rejections) <= len(tokens)
    assert all(line.split(": ", 1)[-1].strip() for line in rejections), "each names its reason"
    assert not [line for line in lines if line.lstrip().startswith(("at ", "stack"))], written[:2000]
    assert len(lines) == len(rejections), written[:2000]


def test_no_subgraph_serves_its_metrics_on_the_public_port_but_each_on_its_own(platform):
    for name in SERVICES:
        public = httpx.get(platform.service_urls[name].replace("/graphql", "/metrics"), timeout=10)
        assert public.status_code == 404, (name, public.status_code)
        own = httpx.get(platform.metrics_urls[name], timeout=10)
        assert own.status_code == 200, name
        assert f'service="{name}"' in own.text, name
