"""The console's visits page: each visit's card records its own finding."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.e2e

VERIFY = "query($code: String!) { verifyCode(code: $code) { __typename } }"
CHECK_IN = "mutation($code: String!) { checkIn(code: $code) { __typename ... on Visit { id unitId } } }"


async def test_a_finding_typed_on_one_visits_card_leaves_another_visits_form_empty(
    call, until, demo_item, new_unit_token, desk, webapp
):
    code = demo_item["code"]["token"]
    units = []
    for _ in range(2):  # two new villages admit the flood-season item: two visits on its page
        token = await new_unit_token()

        async def known(token=token) -> bool:
            return (await call(VERIFY, {"code": code}, token))["verifyCode"]["__typename"] == "CodeValid"

        await until(known, "inspection learns the new unit")
        visit = (await call(CHECK_IN, {"code": code}, token))["checkIn"]
        assert visit["__typename"] == "Visit", visit
        units.append(visit["unitId"])

    page = await desk.new_page()
    await webapp.sign_in_as(page, "hu-guojun", "/console/visits")
    await page.select_option("[data-test=visits-item]", demo_item["id"])
    first, second = (page.locator(f"[data-test=visit]:has-text('{unit}')") for unit in units)
    await first.locator("[data-test=finding-description]").fill("防汛物资台账不符")

    await expect(first.locator("[data-test=finding-description]")).to_have_value("防汛物资台账不符")
    await expect(second.locator("[data-test=finding-description]")).to_have_value("")
