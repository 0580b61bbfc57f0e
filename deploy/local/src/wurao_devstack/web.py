"""The web origin: builds the front end (web/) with the gateway's Node and serves it the way the edge does.

What the web origin serves (the contract a production edge, e.g. an ingress or a CDN, implements alike):
  /graphql                      the gateway (POST; subscriptions stream back as server-sent events)
  /.well-known/code-keys.json   plan's code-signing keys (JWKS), public
  /public/codes/<code>          plan's public code summary, public and rate-limited per client
  /figures/<table>.csv          reporting's CSV export (bearer token)
  /dev/people                   development only: demo people with fresh tokens, for the sign-in chooser
  everything else               web/dist: hashed assets cached for a year, the app's index.html for any page

Run as its own process: `uvicorn --factory wurao_devstack.web:create_app` with WEB_GATEWAY_URL, WEB_PLAN_URL,
WEB_REPORTING_URL,
WURAO_ENV and, in development, JWT_PRIVATE_KEY_FILE, JWT_ISSUER, JWT_AUDIENCE (the demo people's tokens).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from wurao_common.auth import Role, issue_token
from wurao_devstack import gateway
from wurao_devstack.processes import serve_command, spawn

REPO = Path(__file__).resolve().parents[4]
WEB_DIR = REPO / "web"
DIST = WEB_DIR / "dist"
# The operations the app may send, by hash: the gateway serves these (and, in production, only these).
PERSISTED_DOCUMENTS = WEB_DIR / "src" / "gql" / "persisted-documents.json"
# What the build reads: a change to any of these makes `ensure_built` build again.
_SOURCES = ("src", "public", "scripts", "index.html", "package-lock.json", "vite.config.ts", "codegen.ts")

# The demo people of the story (seeded by plan), for the development sign-in chooser.
DEMO_PEOPLE = [
    ("chen-yuehui", "陈跃辉 · 嘉禾县委督查室", Role.COUNTY_OFFICE, "431024", {"office": "431024-dcs"}),
    ("hu-guojun", "胡国军 · 嘉禾县督查组（督查员）", Role.INSPECTOR, "431024", {"office": "431024-dcs"}),
    ("chenzhou-review", "郴州市委督查室（审批）", Role.CITY_OFFICE, "4310", {"office": "4310-dcs"}),
    ("province-review", "湖南省委督查室", Role.PROVINCE_OFFICE, "43", {"office": "43-dcs"}),
    ("dafangyuan", "大方元村村民委员会", Role.UNIT, "431024106201", {"unit": "431024106201-cwh"}),
    ("longtan", "龙潭镇人民政府", Role.UNIT, "431024106", {"unit": "431024106-zf"}),
    ("observer", "省级观察员", Role.OBSERVER, "43", {}),
]


# @sparticuz/chromium's own arguments, less those that would switch off protections the pages rely on.
_UNWANTED_BROWSER_ARGS = {"--disable-web-security", "--allow-running-insecure-content", "--single-process"}
_FIND_BROWSER = (
    "import('@sparticuz/chromium').then(async ({ default: c }) =>"
    " console.log(JSON.stringify({ path: await c.executablePath(), args: c.args })))"
)


def find_browser() -> tuple[str, list[str]]:
    """A headless Chromium and its arguments: the one npm's @sparticuz/chromium ships (web/package.json), else
    Debian's `chromium`. RuntimeError when there is none (Playwright's own browser download fails here)."""
    gateway.ensure_installed(WEB_DIR)
    node, _ = gateway.node_and_npm()
    found = subprocess.run(  # noqa: S603 - our own node and script
        [node, "-e", _FIND_BROWSER], cwd=WEB_DIR, capture_output=True, text=True, check=False
    )
    if found.returncode == 0:
        info = json.loads(found.stdout)
        if Path(info["path"]).is_file():
            return info["path"], [arg for arg in info["args"] if arg not in _UNWANTED_BROWSER_ARGS]
    system = shutil.which("chromium")
    if system:
        return system, ["--headless=new", "--no-sandbox"]
    raise RuntimeError(f"no browser: @sparticuz/chromium failed ({found.stderr.strip()}) and there is no `chromium`")


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _SOURCES:
        path = WEB_DIR / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file() and "gql" not in p.parts]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    for sdl in REPO.glob("services/*/schema.graphql"):
        newest = max(newest, sdl.stat().st_mtime)
    return newest


def ensure_built() -> None:
    """npm ci in web/ when needed, then `npm run build` (schema, codegen, type check, vite) when dist is stale."""
    gateway.ensure_installed(WEB_DIR)
    index = DIST / "index.html"
    if index.is_file() and PERSISTED_DOCUMENTS.is_file() and index.stat().st_mtime >= _newest_source_mtime():
        return
    gateway.run_npm(WEB_DIR, "run", "build")


def start(
    port: int, *, gateway_url: str, plan_url: str, reporting_url: str, env: dict[str, str], log_file: Path
) -> subprocess.Popen:
    """The web origin on 127.0.0.1:`port`, in its own process group. It is the edge, as the Ingress is in a cluster:
    it believes no client's X-Forwarded-For (uvicorn would, from loopback) and forwards the address each connects
    from, which plan (believing loopback) counts its per-client limit by."""
    ensure_built()
    upstreams = {"WEB_GATEWAY_URL": gateway_url, "WEB_PLAN_URL": plan_url, "WEB_REPORTING_URL": reporting_url}
    full_env = {**os.environ, **env, **upstreams, "FORWARDED_ALLOW_IPS": ""}
    return spawn(serve_command("wurao_devstack.web:create_app", port), full_env, log_file)


# Headers passed through each way; hop-by-hop ones and cookies never are.
_REQUEST_HEADERS = ("authorization", "content-type", "accept", "traceparent", "tracestate")
_RESPONSE_HEADERS = ("content-type", "content-disposition", "cache-control", "retry-after", "www-authenticate")
# A table name: nothing that could climb or add to the upstream URL.
_TABLE = re.compile(r"[a-z_]{1,100}")
# The pages' headers, which production's web server (deploy/web/serve.mjs) sends from the same file: a strict
# Content-Security-Policy (no inline script, never framed), no sniffing, and no Referer (the scan URL carries the
# code: never leak it to another site).
PAGE_HEADERS: dict[str, str] = json.loads((REPO / "deploy" / "web" / "page-headers.json").read_text())


def _not_found() -> Response:
    return JSONResponse({"error": "not found"}, status_code=404)


def create_app() -> Starlette:
    gateway_url = os.environ["WEB_GATEWAY_URL"]
    plan_url = os.environ["WEB_PLAN_URL"].rstrip("/")
    reporting_url = os.environ["WEB_REPORTING_URL"].rstrip("/")
    development = os.environ.get("WURAO_ENV") == "development"
    client = httpx.AsyncClient(timeout=httpx.Timeout(30, read=None), limits=httpx.Limits(max_connections=200))

    async def forward(request: Request, url: str) -> Response:
        headers = {name: request.headers[name] for name in _REQUEST_HEADERS if name in request.headers}
        headers["x-forwarded-for"] = request.client.host if request.client else ""
        upstream = client.build_request(request.method, url, headers=headers, content=await request.body())
        try:
            response = await client.send(upstream, stream=True)
        except httpx.TransportError:
            return JSONResponse({"error": "the service behind this address is not reachable"}, status_code=502)
        kept = {name: response.headers[name] for name in _RESPONSE_HEADERS if name in response.headers}
        return StreamingResponse(
            response.aiter_bytes(),
            status_code=response.status_code,
            headers=kept,
            background=BackgroundTask(response.aclose),
        )

    async def graphql(request: Request) -> Response:
        return await forward(request, gateway_url)

    async def code_keys(request: Request) -> Response:
        return await forward(request, f"{plan_url}/.well-known/code-keys.json")

    # Path parameters arrive percent-decoded: pasted into an upstream URL, `%2e%2e` became `..` (and reached plan's
    # other routes) and `%3F` a query. A code goes through encoded again (plan judges a malformed one, as behind
    # the production edge), a dot segment nowhere; a table name only as one can be.
    async def public(request: Request) -> Response:
        code = request.path_params["code"]
        if code in (".", ".."):
            return _not_found()
        return await forward(request, f"{plan_url}/public/codes/{quote(code, safe='')}")

    async def figures_csv(request: Request) -> Response:
        table = request.path_params["table"]
        if not _TABLE.fullmatch(table):
            return _not_found()
        query = f"?{request.url.query}" if request.url.query else ""
        return await forward(request, f"{reporting_url}/figures/{table}.csv{query}")

    async def people(_: Request) -> Response:
        return JSONResponse(
            demo_people(Path(os.environ["JWT_PRIVATE_KEY_FILE"])), headers={"cache-control": "no-store"}
        )

    async def page(request: Request) -> Response:
        try:
            path = (DIST / request.path_params["path"]).resolve()
        except (ValueError, OSError):  # e.g. a NUL in the path: no file has that name
            return _not_found()
        if path.is_relative_to(DIST.resolve()) and path.is_file() and path.name != "index.html":
            immutable = path.is_relative_to((DIST / "assets").resolve())
            cache = "public, max-age=31536000, immutable" if immutable else "public, max-age=300"
            return FileResponse(path, headers={"cache-control": cache})
        if request.path_params["path"].startswith(("assets/", "public/", "figures/", "graphql")):
            return _not_found()
        return FileResponse(DIST / "index.html", headers={"cache-control": "no-cache", **PAGE_HEADERS})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/.well-known/code-keys.json", code_keys),
        Route("/public/codes/{code}", public),
        Route("/figures/{table}.csv", figures_csv),
        *([Route("/dev/people", people)] if development else []),
        Route("/{path:path}", page),
    ]
    # Compressed like any edge would (server-sent events are left alone by the middleware).
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(GZipMiddleware, minimum_size=1024)])


def demo_people(jwt_private_key: Path) -> list[dict]:
    """The demo people with a token each (12 h), signed like `wurao_devstack.token` signs."""
    pem = jwt_private_key.read_bytes()
    return [
        {
            "id": person,
            "name": name,
            "role": role.value,
            "region": region,
            **({"officeId": ids["office"]} if "office" in ids else {}),
            **({"unitId": ids["unit"]} if "unit" in ids else {}),
            "token": issue_token(
                pem,
                issuer=os.environ["JWT_ISSUER"],
                audience=os.environ["JWT_AUDIENCE"],
                role=role,
                region=region,
                office_id=ids.get("office"),
                unit_id=ids.get("unit"),
                subject=f"demo:{person}",
                ttl_seconds=12 * 3600,
            ),
        }
        for person, name, role, region, ids in DEMO_PEOPLE
    ]
