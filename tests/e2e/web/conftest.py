"""A real headless Chromium driven by Playwright against the platform's web origin.

The browser is the one the npm package @sparticuz/chromium ships (web/package.json installs it; Playwright's
own browser download does not work here); Debian's `chromium` is used when that package is missing. No browser
is a failure, never a skip. Screenshots of every step go to .artefacts/web/ (not committed).
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, async_playwright, expect

from wurao_common.auth import Role
from wurao_common.testing import china_today
from wurao_devstack import web

ARTEFACTS = web.REPO / ".artefacts" / "web"
# Assertions wait as long as actions do (Playwright's default for them is 5 s): on a loaded 2-core machine a
# mutation and the list it refreshes took longer once (the story's coding step, in a landing run).
expect.set_options(timeout=20_000)
_LOAD_FONTS = """async () => {
  await document.fonts.load('16px "Noto Sans SC"', document.body.innerText);
  await document.fonts.ready;
}"""
_AXE = web.WEB_DIR / "node_modules" / "axe-core" / "axe.min.js"


_OPERATION = re.compile(r"\b(?:query|mutation|subscription) (\w+)")


@functools.cache
def _persisted_documents() -> dict[str, str]:
    return json.loads(web.PERSISTED_DOCUMENTS.read_text())


def find_chromium() -> tuple[str, list[str]]:
    try:
        return web.find_browser()
    except RuntimeError as error:
        pytest.fail(f"the web tests need a browser: {error}")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    path, args = find_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=args)
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


async def _context(browser: Browser, **options) -> BrowserContext:
    context = await browser.new_context(locale="zh-CN", **options)
    context.set_default_timeout(20_000)
    return context


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    """The inspected unit's phone: 390×844, touch."""
    context = await _context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield context
    await context.close()


@pytest.fixture
async def desk(browser: Browser) -> AsyncIterator[BrowserContext]:
    """An office's desktop browser."""
    context = await _context(browser, viewport={"width": 1280, "height": 900})
    yield context
    await context.close()


class Web:
    """Ways into the app and checks on its pages."""

    def __init__(self, url: str, artefacts: Path) -> None:
        self.url = url
        self.artefacts = artefacts

    async def sign_in_with_token(self, page: Page, token: str, next_path: str) -> None:
        """The production way in: paste a bearer token from the identity provider."""
        await page.goto(f"{self.url}signin?next={next_path}")
        await page.fill("textarea", token)
        await page.get_by_role("button", name="使用此令牌").click()
        await page.wait_for_url(lambda url: url.endswith(next_path))

    async def sign_in_as(self, page: Page, person: str, next_path: str) -> None:
        """The development way in: pick a demo person from the chooser."""
        await page.goto(f"{self.url}signin?next={quote(next_path, safe='/')}")
        await page.click(f"[data-test=person-{person}]")
        await page.wait_for_url(lambda url: url.endswith(next_path))

    async def shot(self, page: Page, name: str) -> None:
        """A full-page screenshot once the shipped CJK font has arrived (it loads after the first paint)."""
        await page.wait_for_function("() => [...document.fonts].some((face) => face.family.includes('Noto Sans SC'))")
        await page.evaluate(_LOAD_FONTS)
        # Chinese renders in the shipped font on every page (a later stylesheet must not take it away).
        assert (await page.evaluate("getComputedStyle(document.body).fontFamily")).startswith('"Noto Sans SC"')
        await page.screenshot(path=str(self.artefacts / f"{name}.png"), full_page=True)

    @staticmethod
    def operations_sent(page: Page) -> list[str]:
        """The names of the GraphQL operations the page sends from now on, in order (it sends each as the hash of
        its persisted document, named in web/src/gql/persisted-documents.json)."""
        names = {digest: _OPERATION.search(text)[1] for digest, text in _persisted_documents().items()}
        sent: list[str] = []

        def record(request: Request) -> None:
            if request.method == "POST" and request.url.endswith("/graphql"):
                sent.append(names.get(request.post_data_json.get("documentId"), "?"))

        page.on("request", record)
        return sent

    @staticmethod
    async def serious_violations(page: Page) -> list[str]:
        """axe-core's serious and critical violations, as `rule: first target` lines."""
        # Evaluated over the DevTools protocol, so the page's CSP (no inline scripts) need not be loosened.
        await page.evaluate(f"{_AXE.read_text()}\n;undefined")
        result = await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
        return [
            f"{violation['id']}: {', '.join(node['target'][0] for node in violation['nodes'])}"
            for violation in result["violations"]
            if violation["impact"] in ("serious", "critical")
        ]


@pytest.fixture
def webapp(platform, artefacts: Path) -> Web:
    return Web(platform.web_url, artefacts)


REGISTER = """mutation($unit: RegisterUnitInput!) { registerUnit(unit: $unit) { __typename ... on Unit { id } } }"""


@pytest.fixture
def scan_url(demo_item) -> str:
    """The scan page of the demo story's coded item."""
    return demo_item["code"]["scanUrl"]


@pytest.fixture
def new_unit_token(platform, call):
    """`await new_unit_token()`: the token of a village committee of its own, with no visits, refusals or
    complaints yet, so that what a test counts is its own."""

    async def register() -> str:
        office = platform.keys.token(Role.COUNTY_OFFICE, "431024", office="431024-dcs")
        unit = {"name": f"大方元村第{uuid.uuid4().hex[:8]}小组", "kind": "VILLAGE_COMMITTEE", "region": "431024106201"}
        registered = (await call(REGISTER, {"unit": unit}, office))["registerUnit"]
        assert registered["__typename"] == "Unit", registered
        return platform.keys.token(Role.UNIT, "431024106201", unit=registered["id"], subject="village-clerk")

    return register


FILE_ITEM = """mutation($item: ItemInput!) { fileItem(item: $item, reason: "汛后新增险情，需计划外核查一次") {
  __typename ... on Filing { id itemId } ... on NotAllowed { reason } ... on InvalidInput { field reason } } }"""
APPROVE = "mutation($id: ID!) { approveFiling(filingId: $id) { __typename ... on NotAllowed { reason } } }"


@pytest.fixture
def approved_item(platform, call):
    """`await approved_item(title)`: the id of an approved one-off item of Jiahe's office over Longtan town, not
    coded yet (arranged through the API)."""

    async def file_and_approve(title: str) -> str:
        today = china_today()  # the service's day: its filing year and the code's validity follow China's calendar
        item = {
            "kind": "INSPECTION",
            "title": title,
            "basis": "汛后新增地质灾害隐患点，需到现场核实",
            "scopeRegions": ["431024106"],
            "windowStart": today.isoformat(),
            "windowEnd": date(today.year, 12, 31).isoformat(),  # a filing stays within its year
            "inspectors": [{"name": "胡国军", "title": "督查组成员"}],
        }
        office = platform.keys.token(Role.COUNTY_OFFICE, "431024", office="431024-dcs", subject="chen-yuehui")
        filed = (await call(FILE_ITEM, {"item": item}, office))["fileItem"]
        assert filed["__typename"] == "Filing", filed
        approver = platform.keys.token(Role.CITY_OFFICE, "4310", office="4310-dcs", subject="chenzhou-review")
        approved = (await call(APPROVE, {"id": filed["id"]}, approver))["approveFiling"]
        assert approved["__typename"] == "Filing", approved
        return filed["itemId"]

    return file_and_approve


CODE_ITEM = "mutation($id: ID!) { codeItem(itemId: $id) { __typename ... on ItemCode { itemId token scanUrl } } }"


@pytest.fixture
def coded_item(platform, call, approved_item):
    """`await coded_item(title)`: an approved one-off item of Jiahe's office, coded through the API: its code
    (itemId, token, scanUrl). Inspection hears of the code through the bus, a moment later."""

    async def approve_and_code(title: str) -> dict:
        item_id = await approved_item(title)
        office = platform.keys.token(Role.COUNTY_OFFICE, "431024", office="431024-dcs", subject="chen-yuehui")
        coded = (await call(CODE_ITEM, {"id": item_id}, office))["codeItem"]
        assert coded["__typename"] == "ItemCode", coded
        return coded

    return approve_and_code


LONGWANG = "431024106223"  # 龙旺村, in the demo item's scope (Longtan town); no other test's units live there
REGISTER_IN = """mutation($name: String!, $region: String!) {
  registerUnit(unit: {name: $name, kind: VILLAGE_COMMITTEE, region: $region}) { __typename ... on Unit { id } } }"""
VERIFY = "query($code: String!) { verifyCode(code: $code) { __typename } }"
CHECK_IN = "mutation($code: String!) { checkIn(code: $code) { __typename ... on Visit { id } } }"
FINDING = """mutation($visit: ID!, $unit: ID!, $deadline: Date!, $description: String!) {
  recordFinding(input: {visitId: $visit, severity: MEDIUM, responsibleUnitId: $unit, description: $description,
                        proposedDeadline: $deadline}) { __typename } }"""
UNIT_TASKS = "query($unit: ID!) { tasks(unitId: $unit) { tasks { id deadline } } }"
START = "mutation($id: ID!) { startTask(id: $id) { __typename } }"
SUBMIT_TASK = 'mutation($id: ID!) { submitTask(id: $id, note: "已整改") { __typename } }'


@pytest.fixture
async def village_task(platform, call, until, demo_item) -> dict:
    """An open rectification task of a new village committee in 龙旺村, on the demo item, due in two days (before the
    tasks other tests open, so the county office's board shows it on its first page): its id, deadline, finding's
    description, the village's code and the committee's token."""
    office = platform.keys.token(Role.COUNTY_OFFICE, "431024", office="431024-dcs")
    name = f"龙旺村测试村委会{uuid.uuid4().hex[:8]}"
    unit = (await call(REGISTER_IN, {"name": name, "region": LONGWANG}, office))["registerUnit"]["id"]
    unit_token = platform.keys.token(Role.UNIT, LONGWANG, unit=unit, subject="longwang-clerk")
    code = demo_item["code"]["token"]

    async def known() -> bool:
        return (await call(VERIFY, {"code": code}, unit_token))["verifyCode"]["__typename"] == "CodeValid"

    await until(known, "inspection learns the new unit")
    visit = (await call(CHECK_IN, {"code": code}, unit_token))["checkIn"]["id"]
    inspector = platform.keys.token(Role.INSPECTOR, "431024", office="431024-dcs")
    description = f"村务公开栏未更新（{uuid.uuid4().hex[:6]}）"
    deadline = (china_today() + timedelta(days=2)).isoformat()
    variables = {"visit": visit, "unit": unit, "deadline": deadline, "description": description}
    assert (await call(FINDING, variables, inspector))["recordFinding"]["__typename"] == "Finding"

    async def opened() -> list[dict]:
        return (await call(UNIT_TASKS, {"unit": unit}, unit_token))["tasks"]["tasks"]

    (task,) = await until(opened, "rectification opens the finding's task")
    return {
        "id": task["id"],
        "deadline": task["deadline"],
        "description": description,
        "village": LONGWANG,
        "unit_token": unit_token,
    }


@pytest.fixture
async def submitted_task(call, village_task) -> tuple[str, str]:
    """village_task, started and submitted by the committee, awaiting verification: (its finding's description, the
    village's code)."""
    task, unit_token = village_task["id"], village_task["unit_token"]
    assert (await call(START, {"id": task}, unit_token))["startTask"]["__typename"] == "Task"
    assert (await call(SUBMIT_TASK, {"id": task}, unit_token))["submitTask"]["__typename"] == "Task"
    return village_task["description"], village_task["village"]
