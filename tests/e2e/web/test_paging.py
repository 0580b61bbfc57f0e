"""Lists longer than one page: the console reaches their last rows ("加载更多"), and a filter starts again from the
first page. The rows are made through the API, one more than a page of the list (its page size in web/src/lists.ts)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from wurao_common.auth import Role
from wurao_reporting.domain.periods import CHINA

pytestmark = pytest.mark.e2e

PAGE = 100  # the complaints' and the tasks' page size in the app
FILE_COMPLAINT = """mutation($input: ComplaintInput!, $requestId: String!) {
  fileComplaint(input: $input, requestId: $requestId) { __typename } }"""
VERIFY = "query($code: String!) { verifyCode(code: $code) { __typename } }"
CHECK_IN = "mutation($code: String!) { checkIn(code: $code) { __typename ... on Visit { id } } }"
FINDING = """mutation($input: FindingInput!) { recordFinding(input: $input) { __typename } }"""
TASKS = "query($unit: ID!) { tasks(unitId: $unit, first: 200) { tasks { id } } }"


async def _in_batches(calls, size: int = 10) -> None:
    """Sends the calls ten at a time: quicker than one by one, gentler than all at once on a shared machine."""
    for start in range(0, len(calls), size):
        await asyncio.gather(*calls[start : start + size])


async def _load_all(page: Page, rows: str) -> int:
    """Presses "加载更多" until the list has no more to load; the number of rows then shown."""
    more = page.get_by_role("button", name="加载更多")
    while await more.count():
        shown = await page.locator(rows).count()
        await more.click()
        await expect(page.locator(rows)).not_to_have_count(shown)
    return await page.locator(rows).count()


async def test_the_console_reaches_complaints_beyond_the_first_page(
    platform, call, until, new_unit_token, desk, webapp
):
    unit_token = await new_unit_token()
    marker = uuid.uuid4().hex[:6]

    async def file(n: int) -> str:
        complaint = {"kind": "OTHER", "place": "村委会", "description": f"分页核对 {marker} 第{n:03d}件"}
        filed = await call(FILE_COMPLAINT, {"input": complaint, "requestId": str(uuid.uuid4())}, unit_token)
        return filed["fileComplaint"]["__typename"]

    async def first_filed() -> bool:
        return await file(0) == "Complaint"  # NotAllowed until inspection has learnt of the new unit from plan

    async def filed(n: int) -> None:
        assert await file(n) == "Complaint"

    # Newest first: the first filed is the last of them in the county office's list.
    await until(first_filed, "inspection learns the new unit")
    await _in_batches([filed(n) for n in range(1, PAGE + 1)])
    ours = f"[data-test=complaint]:has-text('分页核对 {marker}')"

    page = await desk.new_page()
    await webapp.sign_in_as(page, "chen-yuehui", "/console/complaints")
    await expect(page.locator(ours)).to_have_count(PAGE)
    await expect(page.get_by_text(f"分页核对 {marker} 第000件")).to_have_count(0)

    await _load_all(page, "[data-test=complaint]")
    await expect(page.get_by_text(f"分页核对 {marker} 第000件")).to_be_visible()
    await expect(page.locator(ours)).to_have_count(PAGE + 1)


async def test_the_task_board_reaches_tasks_beyond_the_first_page_and_a_filter_starts_again(
    platform, call, until, coded_item, admitted_unit, phone, desk, webapp
):
    _, unit_token, unit_id = admitted_unit
    # An item of its own: an item's tasks are read by deadline, a page at a time, and on the demo item these 101,
    # due sooner, would fill the first page other tests look for their own task in.
    code = (await coded_item(f"分页核对（{uuid.uuid4().hex[:6]}）"))["token"]

    async def coded() -> bool:  # the code reaches inspection through the bus
        return (await call(VERIFY, {"code": code}, unit_token))["verifyCode"]["__typename"] == "CodeValid"

    await until(coded, "inspection learns the item's code")
    visit = (await call(CHECK_IN, {"code": code}, unit_token))["checkIn"]
    assert visit["__typename"] == "Visit", visit
    inspector = platform.keys.token(Role.INSPECTOR, "431024", office="431024-dcs")
    deadline = (datetime.now(CHINA).date() + timedelta(days=20)).isoformat()

    async def find(n: int) -> None:
        finding = {
            "visitId": visit["id"],
            "severity": "LOW",
            "responsibleUnitId": unit_id,
            "description": f"台账第{n:03d}处不符",
            "proposedDeadline": deadline,
        }
        recorded = await call(FINDING, {"input": finding}, inspector)
        assert recorded["recordFinding"]["__typename"] == "Finding", recorded

    await _in_batches([find(n) for n in range(PAGE + 1)])

    async def opened():
        return len((await call(TASKS, {"unit": unit_id}, unit_token))["tasks"]["tasks"]) == PAGE + 1

    await until(opened, "rectification opens a task for every finding")

    # The unit's own board: exactly its tasks, the last one a page further.
    board = await phone.new_page()
    await webapp.sign_in_with_token(board, unit_token, "/tasks")
    cards = "[data-test^=task-]"
    await expect(board.locator(cards)).to_have_count(PAGE)
    assert await _load_all(board, cards) == PAGE + 1

    # The county office's board holds these and more; ticking "overdue" shows the overdue ones from the first
    # page on, not the pages already read with them appended, and unticking starts again too.
    office = await desk.new_page()
    await webapp.sign_in_as(office, "chen-yuehui", "/console/tasks")
    await expect(office.locator(cards)).to_have_count(PAGE)
    await office.get_by_role("button", name="加载更多").click()
    await expect(office.locator(cards)).not_to_have_count(PAGE)
    overdue = office.get_by_label("已逾期")
    await overdue.check()
    await expect(office.locator(f"{cards}:not(:has(.wr-overdue))")).to_have_count(0)
    await overdue.uncheck()
    await expect(office.locator(cards)).to_have_count(PAGE)
