"""The production web origin's app server (deploy/web/serve.mjs, the image of deploy/Dockerfile.web), run on the
built app: every page is the app with the pages' headers, the same file the local origin reads; assets are cached
for good; nothing outside web/dist is served, and nothing the Ingress gives to the services is answered as a page."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from wurao_common import embedded
from wurao_devstack import gateway, web

REPO = Path(__file__).parents[2]
SERVER = REPO / "deploy" / "web" / "serve.mjs"
PAGE_HEADERS = json.loads((REPO / "deploy" / "web" / "page-headers.json").read_text())


@pytest.fixture(scope="module")
def origin():
    web.ensure_built()
    node, _npm = gateway.node_and_npm()
    port = embedded.free_port()
    env = {
        **os.environ,
        "WEB_DIST": str(web.DIST),
        "WEB_PAGE_HEADERS": str(REPO / "deploy" / "web" / "page-headers.json"),
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
    }
    server = subprocess.Popen([node, SERVER], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        embedded.wait_for_port(port, 30, server)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.parametrize("path", ["/", "/s/a-code-from-a-qr", "/console/items/1/timeline", "/../../etc/passwd"])
def test_every_page_is_the_app_with_the_pages_headers(origin, path):
    page = origin.get(path)
    assert page.status_code == 200
    assert '<div id="app">' in page.text
    assert {name: page.headers.get(name) for name in PAGE_HEADERS} == PAGE_HEADERS
    assert page.headers["cache-control"] == "no-cache"


def test_the_pages_headers_forbid_inline_script_framing_sniffing_and_referrers():
    policy = PAGE_HEADERS["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src" not in policy  # scripts fall back to 'self': no inline script runs
    assert "frame-ancestors 'none'" in policy  # the console is never framed
    assert PAGE_HEADERS["x-content-type-options"] == "nosniff"
    assert PAGE_HEADERS["referrer-policy"] == "no-referrer"  # the scan URL carries the code


def test_text_goes_gzipped_to_a_client_that_takes_it_and_plain_to_one_that_does_not(origin):
    script = re.search(r'src="(/assets/[^"]+\.js)"', origin.get("/").text).group(1)
    for path in ("/s/x", script):
        zipped = origin.get(path, headers={"accept-encoding": "gzip"})
        plain = origin.get(path, headers={"accept-encoding": "identity"})
        assert zipped.headers["content-encoding"] == "gzip"
        assert "content-encoding" not in plain.headers
        assert zipped.content == plain.content  # httpx undid the gzip
        assert int(zipped.headers["content-length"]) < int(plain.headers["content-length"])
        assert zipped.headers["vary"] == plain.headers["vary"] == "accept-encoding"


def test_hashed_assets_are_cached_for_good_and_a_missing_one_is_404(origin):
    script = re.search(r'src="(/assets/[^"]+\.js)"', origin.get("/").text).group(1)
    asset = origin.get(script)
    assert asset.status_code == 200
    assert asset.headers["content-type"].startswith("text/javascript")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["x-content-type-options"] == "nosniff"
    assert origin.head(script).status_code == 200
    assert origin.get("/assets/no-such-file.js").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/%2e%2e/package.json",
        "/assets/%2e%2e/%2e%2e/package.json",
        "/..%2fpackage.json",  # an encoded slash: the URL parser leaves it, the server's own check must hold
        "/assets/..%2f..%2fpackage.json",
        "/%00",
        "/s/%00",
        "/assets/%c0%ae",
    ],
)
def test_nothing_outside_the_build_is_served_and_odd_paths_are_no_error(origin, path):
    response = origin.get(path)
    assert response.status_code in (200, 400, 404)
    assert '"name": "@wurao/web"' not in response.text  # web/package.json, beside web/dist


@pytest.mark.parametrize("path", ["/graphql", "/public/codes/x", "/figures/visits.csv"])
def test_the_services_paths_are_never_answered_as_pages(origin, path):
    assert origin.get(path).status_code == 404


def test_only_reads_are_served_and_the_probe_answers(origin):
    assert origin.post("/s/x", content=b"{}").status_code == 405
    assert origin.get("/healthz").text == "ok\n"
