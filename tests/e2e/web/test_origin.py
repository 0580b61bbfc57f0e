"""The web origin: what it serves, with which headers, and what it leaves to the services behind it."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from wurao_common.embedded import free_port
from wurao_devstack import web
from wurao_devstack.stack import wait_ready

pytestmark = pytest.mark.e2e


@pytest.fixture
async def origin(platform):
    async with httpx.AsyncClient(base_url=platform.web_url, timeout=30) as client:
        yield client


async def test_pages_are_the_app_with_a_strict_content_security_policy(origin):
    page = await origin.get("/s/whatever-the-qr-holds")
    assert page.status_code == 200
    assert '<div id="app">' in page.text
    # the headers production's web server sends too (tests/deploy/test_web_server.py checks what they forbid)
    expected = json.loads((web.REPO / "deploy" / "web" / "page-headers.json").read_text())
    assert {name: page.headers.get(name) for name in expected} == expected


async def test_hashed_assets_are_cached_for_good_and_missing_ones_are_404(origin):
    page = await origin.get("/")
    script = re.search(r'src="(/assets/[^"]+\.js)"', page.text).group(1)
    asset = await origin.get(script)
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert (await origin.get("/assets/no-such-file.js")).status_code == 404


async def test_the_code_keys_come_from_plan_without_a_token(origin):
    keys = (await origin.get("/.well-known/code-keys.json")).json()["keys"]
    assert keys
    assert {key["crv"] for key in keys} == {"Ed25519"}


async def test_graphql_goes_to_the_gateway_which_still_wants_a_token(origin):
    response = await origin.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 401


async def test_reporting_csv_goes_through_with_the_callers_token_only(origin, platform):
    assert (await origin.get("/figures/visits.csv")).status_code == 401
    county = platform.keys.token("county_office", "431024", office="431024-dcs")
    response = await origin.get("/figures/visits.csv?period=2026", headers={"authorization": f"Bearer {county}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").startswith("region,period")


@pytest.mark.parametrize(
    "path",
    [
        "/public/%2e%2e/readyz",  # decoded to `..`, it once reached plan's other routes
        "/public/codes/%2e%2e",
        "/public/%2e%2e/codes/00000000-0000-0000-0000-000000000000.svg",
        "/figures/visits%3Fregion=43%23.csv",  # decoded to `?`, it once made the upstream query
        "/s/%00",  # a NUL in a page's path once failed the origin (500)
    ],
)
async def test_nothing_but_a_code_or_a_table_name_reaches_the_services_behind_the_origin(origin, path):
    response = await origin.get(path)
    assert response.status_code in (404, 200), response.text
    assert "postgres" not in response.text
    assert "<svg" not in response.text
    assert response.status_code == 404 or '<div id="app">' in response.text  # else the app's page, nothing else


@pytest.mark.parametrize("code", ["not-a-genuine-code", "a%3Fb%23c", "a%20b"])
async def test_any_code_still_reaches_plans_public_summary_which_judges_it(origin, code):
    response = await origin.get(f"/public/codes/{code}")
    assert response.status_code in (200, 429)  # 429: the story's scans beside it used this client's allowance
    assert response.headers["cache-control"] == "no-store"  # plan's own answer, as behind the production edge
    if response.status_code == 200:
        assert response.json()["genuine"] is False


def test_the_web_origin_is_the_edge_and_passes_on_the_address_a_client_connects_from_not_one_it_writes(tmp_path):
    """As the Ingress in a cluster: plan counts a public summary's client (its per-client limit) by what the origin
    forwards, which must be the peer the origin saw, whatever X-Forwarded-For the client sent. Plan here is a stand-in
    that records the header (the real one's budget is the whole suite's)."""
    forwarded = []

    class Plan(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            forwarded.append(self.headers.get("x-forwarded-for"))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_args) -> None:
            pass

    plan = ThreadingHTTPServer(("127.0.0.1", 0), Plan)
    threading.Thread(target=plan.serve_forever, daemon=True).start()
    upstream, port = f"http://127.0.0.1:{plan.server_port}", free_port()
    origin = web.start(
        port, gateway_url=upstream, plan_url=upstream, reporting_url=upstream, env={}, log_file=tmp_path / "web.log"
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/.well-known/code-keys.json", origin, "web")
        response = httpx.get(f"http://127.0.0.1:{port}/public/codes/x", headers={"x-forwarded-for": "6.6.6.6"})
    finally:
        os.killpg(origin.pid, signal.SIGTERM)
        origin.wait(timeout=30)
        plan.shutdown()
        plan.server_close()
    assert response.status_code == 200
    assert forwarded[-1] == "127.0.0.1"
