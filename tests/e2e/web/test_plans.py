"""The console's plans page: an office drafts next year's plan list and adds items to it, each plan in a form of
its own."""

from __future__ import annotations

import random
import string

import pytest
from playwright.async_api import Locator, expect

from wurao_common.auth import Role
from wurao_common.testing import china_today

pytestmark = pytest.mark.e2e

REGISTER_OFFICE = """mutation($o: RegisterOfficeInput!) {
  registerOffice(office: $o) { __typename ... on Office { id } ... on InvalidInput { field reason } } }"""
DRAFT = "mutation($year: Int!) { draftPlan(year: $year) { __typename ... on Plan { id } } }"


async def _department_with_a_draft(platform, call, name: str, year: int) -> str:
    """A department of Jiahe county of its own (an office of its own) holding a draft plan for `year`: its staff's
    token."""
    county = platform.keys.token(Role.COUNTY_OFFICE, "431024", office="431024-dcs")
    office_id = "431024-t" + "".join(random.choices(string.ascii_lowercase, k=8))
    department = {"id": office_id, "name": name, "kind": "DEPARTMENT", "region": "431024", "yearlyBaseline": 5}
    registered = (await call(REGISTER_OFFICE, {"o": department}, county))["registerOffice"]
    assert registered["__typename"] == "Office", registered
    staff = platform.keys.token(Role.COUNTY_OFFICE, "431024", office=office_id)
    drafted = (await call(DRAFT, {"year": year}, staff))["draftPlan"]
    assert drafted["__typename"] == "Plan", drafted
    return staff


async def _fill_item(form: Locator, title: str, basis: str) -> None:
    """An add-item form filled in: an item over Longtan town, inspected by 李明, in the plan's default window."""
    await form.get_by_label("标题").fill(title)
    await form.get_by_label("督查依据").fill(basis)
    await form.get_by_label("范围（区划代码，逗号分隔）").fill("431024106")
    await form.get_by_label("督查人员姓名").fill("李明")
    await form.get_by_label("职务").fill("督查组组长")


async def test_an_office_adds_an_item_to_next_years_plan_in_that_plans_own_form(platform, call, desk, webapp):
    # An office of its own holding this year's draft: two editable plans on the page.
    year = china_today().year
    staff = await _department_with_a_draft(platform, call, "嘉禾县计划测试局", year)

    page = await desk.new_page()
    await webapp.sign_in_with_token(page, staff, "/console/plans")
    await page.get_by_role("button", name=f"起草 {year + 1} 年计划").click()
    next_plan = page.locator("article", has_text=f"嘉禾县计划测试局 · {year + 1}")
    this_plan = page.locator("article", has_text=f"嘉禾县计划测试局 · {year}")
    await expect(next_plan.locator("form")).to_have_count(1)

    form = next_plan.locator("form")
    await _fill_item(form, "汛前山塘水库安全检查", "去年汛期两处山塘漫坝，需汛前逐一核查")
    await expect(this_plan.locator("form").get_by_label("标题")).to_have_value("")  # its own form, untouched
    await form.get_by_role("button", name="添加事项").click()

    await expect(next_plan.get_by_role("cell", name="汛前山塘水库安全检查")).to_be_visible()
    await expect(next_plan.get_by_role("cell", name=f"{year + 1}-04-01 – {year + 1}-06-30")).to_be_visible()
    await expect(this_plan.get_by_role("cell", name="汛前山塘水库安全检查")).to_have_count(0)


async def test_an_added_item_leaves_the_form_ready_for_the_next_one(platform, call, desk, webapp):
    """The form kept the added item's title and basis, so 添加事项 pressed again added the same item a second time."""
    year = china_today().year + 1
    staff = await _department_with_a_draft(platform, call, "嘉禾县表单测试局", year)

    page = await desk.new_page()
    await webapp.sign_in_with_token(page, staff, "/console/plans")
    plan = page.locator("article", has_text=f"嘉禾县表单测试局 · {year}")
    form = plan.locator("form")
    await _fill_item(form, "校园食品安全检查", "两所学校食堂被投诉")
    await form.get_by_role("button", name="添加事项").click()

    await expect(plan.get_by_role("cell", name="校园食品安全检查")).to_be_visible()
    await expect(form.get_by_label("标题")).to_have_value("")
    await expect(form.get_by_label("督查依据")).to_have_value("")
    await expect(form.get_by_label("范围（区划代码，逗号分隔）")).to_have_value("431024106")
    await expect(form.get_by_label("督查人员姓名")).to_have_value("李明")
