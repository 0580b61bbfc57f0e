"""The inspected unit's phone (375×667): the scan page after its own actions, and its task board."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.async_api import BrowserContext, Page, expect

pytestmark = pytest.mark.e2e


async def _small_phone(phone: BrowserContext) -> Page:
    page = await phone.new_page()
    await page.set_viewport_size({"width": 375, "height": 667})
    return page


async def test_after_admitting_a_visit_the_unit_is_not_told_it_may_refuse_it(
    platform, scan_url, new_unit_token, phone, webapp
):
    """The admitted visit fills the item's cap (one visit per unit): read again after the check-in, the page said
    in red "你可以拒绝" under "已接待" and offered to refuse, reason "频次已满", the visit the unit had just
    admitted."""
    page = await _small_phone(phone)
    await webapp.sign_in_with_token(page, await new_unit_token(), scan_url.removeprefix(platform.web_url.rstrip("/")))
    await expect(page.locator("[data-test=standing]")).to_be_visible()
    await page.click("[data-test=admit]")

    await expect(page.locator("[data-test=admitted]")).to_be_visible()
    await expect(page.locator("[data-test=verdict]")).to_contain_text("已接待本次督查")
    await expect(page.locator("[data-test=standing] .wr-full")).to_have_count(1)  # read again: the item's cap is full
    await expect(page.locator("[data-test=may-refuse]")).to_have_count(0)
    await expect(page.locator("[data-test=refuse-form]")).to_have_count(0)
    await expect(page.locator("[data-test=complaint-form]")).to_be_visible()  # a complaint about the visit still can
    await webapp.shot(page, "scan-admitted-375px")


async def test_a_unit_asks_for_a_later_deadline_on_its_phone_and_the_office_grants_it(
    village_task, phone, desk, webapp
):
    """A deadline is extended once, asked by the unit and decided by the issuing office (requestDeadlineExtension,
    decideDeadlineExtension): neither the task board nor the console offered either."""
    task = village_task
    page = await _small_phone(phone)
    await webapp.sign_in_with_token(page, task["unit_token"], "/tasks")
    card = page.locator("[data-test^=task-]").filter(has_text=task["description"])
    until = (date.fromisoformat(task["deadline"]) + timedelta(days=10)).isoformat()
    await card.get_by_text("申请延期").first.click()  # the form folds under its summary
    await card.locator("[data-test=extension-until]").fill(until)
    await card.locator("[data-test=extension-reason]").fill("汛期道路中断，物资无法按期运到")
    await card.locator("[data-test=ask-extension]").click()
    await expect(card.locator("[data-test=extension]")).to_contain_text(f"申请延至 {until} · 待审批")
    await expect(card.locator("[data-test=extension-form]")).to_have_count(0)  # once only
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await webapp.shot(page, "tasks-extension-asked-375px")

    office = await desk.new_page()
    await webapp.sign_in_as(office, "chen-yuehui", "/console/tasks")
    board_card = office.locator("[data-test^=task-]").filter(has_text=task["description"])
    await expect(board_card.locator("[data-test=decline-extension]")).to_be_disabled()  # declining says why
    await board_card.locator("[data-test=approve-extension]").click()
    await expect(board_card.locator("[data-test=extension]")).to_contain_text("已批准")
    await expect(board_card).to_contain_text(f"整改期限{until}")

    await page.reload()
    await expect(card).to_contain_text(f"整改期限{until}")
    await expect(card.locator("[data-test=extension]")).to_contain_text("已批准")
