"""The pages when things go wrong for their users: a double tap on a weak phone or a double click at a desk, a
complaint missing what the API needs, a sign-in that expires while a page is open, a code summary that cannot be
read."""

from __future__ import annotations

import asyncio
import time
import uuid
from urllib.parse import unquote

import pytest
from playwright.async_api import Page, expect

from wurao_common.auth import Role

pytestmark = pytest.mark.e2e

GENUINE = "真码 · 有效"
TASK_HISTORY = "query($id: ID!) { task(id: $id) { history { action } } }"
REVOKE = "mutation($id: ID!, $reason: String!) { revokeCode(itemId: $id, reason: $reason) { __typename } }"
VERIFY = "query($code: String!) { verifyCode(code: $code) { __typename } }"


@pytest.fixture
async def unit_at_scan(platform, phone, webapp, scan_url, new_unit_token) -> tuple[Page, str]:
    """A unit of its own signed in on a coded item's scan page, its standing shown: (the page, its token)."""
    unit_token = await new_unit_token()
    page = await phone.new_page()
    await webapp.sign_in_with_token(page, unit_token, scan_url.removeprefix(platform.web_url.rstrip("/")))
    await expect(page.locator("[data-test=standing]")).to_be_visible(timeout=20_000)
    return page, unit_token


async def test_a_double_tapped_refusal_or_complaint_is_recorded_once(unit_at_scan, call):
    page, unit_token = unit_at_scan

    complaint = page.locator("[data-test=complaint-form]")
    await complaint.locator("[data-test=complaint-entry]").select_option("N05")  # 不要求汇报, in the province's list
    await complaint.get_by_label("地点").fill("村委会")
    await complaint.get_by_label("情况说明").fill("要求村里专门准备汇报材料")
    await complaint.locator("button[type=submit]").dblclick()
    await expect(page.locator("[data-test=complained]")).to_be_visible()
    await page.locator("[data-test=refuse-form] button[type=submit]").dblclick()
    await expect(page.locator("[data-test=refused]")).to_be_visible()
    await asyncio.sleep(1)  # a second request, if one was sent, has been answered by now

    mine = await call("{ complaints(first: 100) { id } refusals(first: 100) { id } }", {}, unit_token)
    assert (len(mine["complaints"]), len(mine["refusals"])) == (1, 1), mine


async def test_a_double_clicked_code_button_codes_the_item_once_and_shows_no_error(approved_item, desk, webapp):
    item_id = await approved_item(f"双击赋码（{uuid.uuid4().hex[:6]}）")
    page = await desk.new_page()
    await webapp.sign_in_as(page, "chen-yuehui", "/console/items")
    row = page.locator(f"[data-test=item-{item_id}]")
    sent = webapp.operations_sent(page)

    await row.locator("[data-test=code-item]").dblclick()
    await expect(row.locator("[data-test=code-sheet]")).to_be_visible()
    await asyncio.sleep(1)  # a second request, if one was sent, has been answered by now
    assert sent.count("CodeItem") == 1, sent
    await expect(page.get_by_role("alert")).to_have_count(0)  # no "未成功：item is already coded"


async def test_a_double_clicked_rectification_is_submitted_once_and_shows_no_error(open_task, phone, webapp, call):
    task_id, _item_id, unit_token = open_task
    page = await phone.new_page()
    await webapp.sign_in_with_token(page, unit_token, "/tasks")
    task = page.locator("[data-test=task-OPEN]")
    await task.locator("[data-test=submission-note]").fill("已补齐防汛物资并更新台账")
    sent = webapp.operations_sent(page)

    await task.locator("[data-test=submit-task]").dblclick()
    await expect(page.locator("[data-test=task-SUBMITTED]")).to_be_visible()
    await asyncio.sleep(1)
    assert (sent.count("StartTask"), sent.count("SubmitTask")) == (1, 1), sent
    await expect(page.get_by_role("alert")).to_have_count(0)
    history = (await call(TASK_HISTORY, {"id": task_id}, unit_token))["task"]["history"]
    assert [step["action"] for step in history] == ["opened", "started", "submitted"], history


async def test_a_negative_list_complaint_asks_for_the_entry_before_it_is_sent(unit_at_scan, call):
    """The API refuses such a complaint without the entry it cites, in English: the form asks for it first."""
    page, unit_token = unit_at_scan

    complaint = page.locator("[data-test=complaint-form]")
    await complaint.get_by_label("地点").fill("村委会")
    await complaint.get_by_label("情况说明").fill("要求准备与督查无关的台账")
    await complaint.locator("button[type=submit]").click()  # the kind is 违反负面清单, the entry still "—"
    await expect(complaint.locator("[data-test=complaint-entry]:invalid")).to_have_count(1)
    await asyncio.sleep(1)
    await expect(page.get_by_role("alert")).to_have_count(0)  # no "未成功：cite the negative-list entry …"
    assert (await call("{ complaints(first: 100) { id } }", {}, unit_token))["complaints"] == []

    await complaint.locator("[data-test=complaint-entry]").select_option("N01")
    await complaint.locator("button[type=submit]").click()
    await expect(page.locator("[data-test=complained]")).to_be_visible()


async def test_a_sign_in_that_expires_while_the_console_is_open_asks_to_sign_in_again(platform, desk, webapp):
    expires = time.time() + 4
    token = platform.keys.token(Role.COUNTY_OFFICE, "431024", office="431024-dcs", subject="chen-yuehui", ttl_seconds=4)
    page = await desk.new_page()
    await webapp.sign_in_with_token(page, token, "/console/items")
    await expect(page.get_by_role("heading", name="事项与赋码")).to_be_visible()
    await asyncio.sleep(max(0.0, expires + 1.5 - time.time()))

    await page.get_by_role("link", name="年度计划").click()  # the gateway now answers 401
    await page.wait_for_url(lambda url: "/signin?" in url and "next=/console/plans" in unquote(url))
    await expect(page.locator("[data-test=session-expired]")).to_have_text("登录已过期，请重新登录。")
    await page.click("[data-test=person-chen-yuehui]")
    await page.wait_for_url(lambda url: url.endswith("/console/plans"))
    await expect(page.get_by_role("alert")).to_have_count(0)

    # A code sheet opened without signing in asks for it too, instead of "未成功：Unauthenticated".
    sheet = await desk.new_page()
    await sheet.goto(f"{platform.web_url}console/items/{uuid.uuid4()}/sheet")
    await sheet.wait_for_url(lambda url: "/signin?" in url and "/sheet" in unquote(url))


async def test_a_scan_whose_summary_cannot_be_read_says_so_and_offers_a_retry(scan_url, phone):
    refused = []

    async def rate_limited_once(route) -> None:
        if not refused:
            refused.append(route.request.url)
            await route.fulfill(status=429, json={"error": "too many requests"})
        else:
            await route.continue_()

    page = await phone.new_page()
    await page.route("**/public/codes/**", rate_limited_once)
    await page.goto(scan_url)
    await expect(page.get_by_role("alert")).to_contain_text("查询过于频繁")
    await expect(page.locator("[data-test=verdict]")).not_to_contain_text("正在核验")  # not "checking" for ever
    await page.get_by_role("button", name="重试").click()
    await expect(page.locator("[data-test=verdict]")).to_contain_text(GENUINE)
    await expect(page.get_by_role("alert")).to_have_count(0)


async def test_a_scan_the_service_cannot_count_says_why_and_that_the_unit_may_refuse_in_both_languages(
    platform, phone, webapp, scan_url, new_unit_token
):
    """The inspection service answers Unavailable (its counters being rebuilt, a code's item not arrived yet): after
    the page's retries the unit is told why, not only "you may refuse"."""

    async def unavailable(route) -> None:
        response = await route.fetch()
        answer = await response.json()
        if "verifyCode" in (answer.get("data") or {}):
            answer["data"]["verifyCode"] = {"__typename": "Unavailable", "reason": "the cap counters are being rebuilt"}
        await route.fulfill(response=response, json=answer)

    page = await phone.new_page()
    await page.route("**/graphql", unavailable)
    await webapp.sign_in_with_token(page, await new_unit_token(), scan_url.removeprefix(platform.web_url.rstrip("/")))
    verdict = page.locator("[data-test=verdict]")
    await expect(verdict).to_contain_text("暂时无法核验督查频次", timeout=30_000)  # the page asks for ~14 s first
    await expect(verdict).to_contain_text("核验之前不能签到")
    await expect(page.locator("[data-test=may-refuse]")).to_be_visible()
    await expect(page.locator("[data-test=admit]")).to_have_count(0)
    await page.get_by_role("button", name="English").click()
    await expect(verdict).to_contain_text("Your inspections cannot be counted now")
    await expect(verdict).to_contain_text("the visit cannot be checked in")


async def test_an_account_inspection_does_not_know_as_a_unit_is_told_why_it_cannot_check_the_code(
    platform, phone, webapp, scan_url
):
    """verifyCode answers NotAllowed (a unit not registered, or not yet known to inspection): no "you may refuse",
    which the API would not record either, but why, in both languages."""
    stranger = platform.keys.token(Role.UNIT, "431024106201", unit=f"431024106201-{uuid.uuid4().hex[:6]}")
    page = await phone.new_page()
    await webapp.sign_in_with_token(page, stranger, scan_url.removeprefix(platform.web_url.rstrip("/")))
    verdict = page.locator("[data-test=verdict]")
    await expect(verdict).to_contain_text("此账号不能核验督查码")
    await expect(verdict).to_contain_text("请换用本单位的账号登录")
    await expect(page.locator("[data-test=may-refuse]")).to_have_count(0)
    await page.get_by_role("button", name="English").click()
    await expect(verdict).to_contain_text("This account cannot check codes")
    await expect(verdict).to_contain_text("Sign in with your unit’s account")


async def test_a_revoked_code_tells_the_unit_the_offices_reason(
    platform, call, until, coded_item, new_unit_token, phone, webapp
):
    office = platform.keys.token(Role.COUNTY_OFFICE, "431024", office="431024-dcs", subject="chen-yuehui")
    coded = await coded_item(f"撤销后扫码（{uuid.uuid4().hex[:6]}）")
    revoked = (await call(REVOKE, {"id": coded["itemId"], "reason": "防汛任务调整，改期督查"}, office))["revokeCode"]
    assert revoked["__typename"] == "ItemCode", revoked
    unit_token = await new_unit_token()

    async def inspection_knows() -> bool:  # the revocation reaches inspection through the bus
        verdict = (await call(VERIFY, {"code": coded["token"]}, unit_token))["verifyCode"]
        return verdict["__typename"] == "CodeRevoked"

    await until(inspection_knows, "inspection learns of the revocation")
    page = await phone.new_page()
    await webapp.sign_in_with_token(page, unit_token, coded["scanUrl"].removeprefix(platform.web_url.rstrip("/")))
    verdict = page.locator("[data-test=verdict]")
    await expect(verdict).to_contain_text("督查机关已撤销此码，理由：防汛任务调整，改期督查。")
    await expect(page.locator("[data-test=may-refuse]")).to_be_visible()


async def test_a_visit_can_be_rated_from_the_keyboard(unit_at_scan):
    """The stars take the focus, so Enter or Space on one must rate, as a tap does."""
    page, _unit_token = unit_at_scan
    await page.click("[data-test=admit]", timeout=30_000)
    await expect(page.locator("[data-test=admitted]")).to_be_visible()

    stars = page.get_by_role("radiogroup", name="匿名评价本次督查").get_by_role("radio")
    await stars.nth(3).focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("谢谢，评价已记录。")).to_be_visible()


async def test_the_rating_stars_draw_in_an_icon_font_from_the_apps_own_origin_within_its_csp(
    platform, phone, webapp, scan_url, new_unit_token
):
    """Vant's icon font named a CDN as its fallback, which the pages' CSP blocks: Chromium asked for it anyway, as
    soon as a page with Vant's styles loaded, and logged a CSP violation."""
    page = await phone.new_page()
    trouble: list[str] = []
    page.on("console", lambda message: trouble.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: trouble.append(f"{request.url}: {request.failure}"))
    page.on(
        "request",
        lambda request: None if request.url.startswith((platform.web_url, "data:")) else trouble.append(request.url),
    )

    await webapp.sign_in_with_token(page, await new_unit_token(), scan_url.removeprefix(platform.web_url.rstrip("/")))
    await page.click("[data-test=admit]", timeout=30_000)
    await expect(page.get_by_role("radiogroup", name="匿名评价本次督查")).to_be_visible()  # the stars are icons
    await page.evaluate("document.fonts.ready")
    await asyncio.sleep(1)  # a fallback source, if the page still names one, has been asked for by now
    icon_fonts = await page.evaluate("[...document.fonts].filter((f) => f.family === 'vant-icon').map((f) => f.status)")
    assert icon_fonts == ["loaded"]
    assert trouble == []


ITEM_STATUS_WORDS = {"草拟", "已批准", "已赋码", "督查中", "已办结", "码已作废", "已撤销", "已驳回"}


async def test_the_console_names_statuses_in_chinese_not_as_the_api_spells_them(platform, desk, webapp):
    page = await desk.new_page()
    await webapp.sign_in_as(page, "chen-yuehui", "/console/items")
    statuses = page.locator("[data-test^=item-] td:nth-child(3)")
    await expect(statuses.first).to_be_visible()
    shown = set(await statuses.all_inner_texts())
    assert shown <= ITEM_STATUS_WORDS, shown  # the first row is visible: never empty
