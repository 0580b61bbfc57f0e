"""The inspected unit's phone (375×667): the scan page after its own actions, and its task board."""

from __future__ import annotations

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
