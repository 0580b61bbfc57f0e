"""The console as its people use it: what each page shows them, in their language and time, and only the actions
they may take."""

from __future__ import annotations

import random
import re
import string
import uuid
from datetime import datetime, timedelta

import pytest
from playwright.async_api import expect

from wurao_common.auth import Role
from wurao_common.testing import china_today
from wurao_reporting.domain.periods import CHINA

pytestmark = pytest.mark.e2e

JIAHE, JIAHE_OFFICE = "431024", "431024-dcs"
REGISTER_OFFICE = """mutation($o: RegisterOfficeInput!) {
  registerOffice(office: $o) { __typename ... on Office { id } ... on InvalidInput { field reason } } }"""
DRAFT = "mutation($year: Int!) { draftPlan(year: $year) { __typename ... on Plan { id } } }"
ADD_ITEM = """mutation($plan: ID!, $item: ItemInput!) { addItem(planId: $plan, item: $item) { __typename } }"""
SUBMIT_PLAN = "mutation($plan: ID!) { submitPlan(planId: $plan) { __typename } }"
FILE_COMPLAINT = """mutation($input: ComplaintInput!) { fileComplaint(input: $input) {
  __typename ... on Complaint { id routedToLevel routedToRegion } } }"""
MY_COMPLAINTS = "{ complaints(first: 100) { description status findings reply } }"
VERIFY = "query($code: String!) { verifyCode(code: $code) { __typename } }"
CHECK_IN = "mutation($code: String!) { checkIn(code: $code) { __typename ... on Visit { id unitId } } }"
REFUSE = """mutation($code: String!) { refuseInspection(reason: CAP_REACHED, code: $code, note: "") { __typename } }"""
FINDING = """mutation($input: FindingInput!) { recordFinding(input: $input) { __typename } }"""
ITEM_FIGURES = """query($year: Int!) { regionFigures(region: "431024", year: $year) {
  wholeYear { items { planned { value } filed { value } completed { value } } } } }"""

# Where a QR code's drawing ends inside its <svg> box, and where the box ends, as the page draws them.
_QR_EDGES = """() => {
  const svg = document.querySelector('[data-test=sheet] svg');
  const box = svg.getBoundingClientRect();
  const drawn = svg.querySelector('path').getBoundingClientRect();
  return { box: [box.right, box.bottom], drawn: [drawn.right, drawn.bottom] };
}"""


async def test_the_code_sheet_prints_the_whole_qr_code_at_its_size(coded_item, desk, webapp):
    """plan's SVG is 6 px a module with no viewBox: drawn 70 mm wide, the sheet cut off its right and bottom
    (two of its three finder patterns), and the printed code could not be scanned."""
    code = await coded_item(f"码单完整（{uuid.uuid4().hex[:6]}）")
    page = await desk.new_page()
    await webapp.sign_in_as(page, "chen-yuehui", f"/console/items/{code['itemId']}/sheet")
    await expect(page.locator("[data-test=sheet] svg")).to_be_visible()

    edges = await page.evaluate(_QR_EDGES)
    assert edges["drawn"][0] <= edges["box"][0] + 0.5, edges
    assert edges["drawn"][1] <= edges["box"][1] + 0.5, edges
    await webapp.shot(page, "console-code-sheet")


@pytest.fixture
async def submitted_plan(platform, call):
    """`await submitted_plan()`: the name of a department of Jiahe county of its own, whose plan for this year (one
    item) awaits the county office's decision."""

    async def submit() -> str:
        county = platform.keys.token(Role.COUNTY_OFFICE, JIAHE, office=JIAHE_OFFICE)
        office_id = "431024-t" + "".join(random.choices(string.ascii_lowercase, k=8))
        name = f"嘉禾县审批测试局{office_id[-4:]}"
        department = {"id": office_id, "name": name, "kind": "DEPARTMENT", "region": JIAHE, "yearlyBaseline": 5}
        registered = (await call(REGISTER_OFFICE, {"o": department}, county))["registerOffice"]
        assert registered["__typename"] == "Office", registered
        staff = platform.keys.token(Role.COUNTY_OFFICE, JIAHE, office=office_id, subject="dept-author")
        year = china_today().year
        plan = (await call(DRAFT, {"year": year}, staff))["draftPlan"]["id"]
        item = {
            "kind": "SUPERVISION",
            "title": "村级减负事项核查",
            "basis": "基层反映报表过多",
            "scopeRegions": ["431024106"],
            "windowStart": f"{year}-12-01",
            "windowEnd": f"{year}-12-31",
            "inspectors": [{"name": "李明", "title": "督查组组长"}],
        }
        assert (await call(ADD_ITEM, {"plan": plan, "item": item}, staff))["addItem"]["__typename"] == "Item"
        assert (await call(SUBMIT_PLAN, {"plan": plan}, staff))["submitPlan"]["__typename"] == "Plan"
        return name

    return submit


async def test_an_observer_is_offered_no_decision_verification_or_finding(
    platform, submitted_plan, submitted_task, demo_item, desk, webapp
):
    """An observer reads everything in its region and changes nothing: the console offered it 批准 and 退回 on
    plans, 验收通过 and 退回整改 on tasks and a finding form on every visit, each refused by the API in English."""
    department = await submitted_plan()
    task, village = submitted_task
    page = await desk.new_page()

    await webapp.sign_in_with_token(page, platform.keys.token(Role.OBSERVER, JIAHE), "/console/plans")
    plan = page.locator("article", has_text=department)
    await expect(plan).to_contain_text("待审批")
    await expect(plan.locator("[data-test=approve-plan]")).to_have_count(0)
    await expect(plan.get_by_role("button", name="退回")).to_have_count(0)

    await webapp.sign_in_with_token(page, platform.keys.token(Role.OBSERVER, village), "/console/tasks")
    await expect(page.locator("[data-test=task-SUBMITTED]").filter(has_text=task)).to_be_visible()
    await expect(page.locator("[data-test=verify-task]")).to_have_count(0)
    await expect(page.get_by_role("button", name="退回整改")).to_have_count(0)

    await page.goto(f"{platform.web_url}console/visits")
    await page.select_option("[data-test=visits-item]", demo_item["id"])
    await expect(page.locator("[data-test=visit]").filter(has_text=task)).to_be_visible()
    await expect(page.locator("[data-test=record-finding]")).to_have_count(0)
    await webapp.shot(page, "console-observer-visits")


async def test_only_the_approving_office_decides_only_staff_code_and_only_inspectors_record_findings(
    submitted_plan, submitted_task, approved_item, demo_item, desk, webapp
):
    """The county office approves its departments' plans and codes its items but records no finding (its inspectors
    do, and code nothing); the city office above it does not approve the department's plan: each was offered the
    other's buttons, and the API refused them in English."""
    department = await submitted_plan()
    item_id = await approved_item(f"督查员不赋码（{uuid.uuid4().hex[:6]}）")
    task, _village = submitted_task
    page = await desk.new_page()

    await webapp.sign_in_as(page, "chen-yuehui", "/console/plans")
    await expect(page.locator("article", has_text=department).locator("[data-test=approve-plan]")).to_be_visible()
    await page.goto(page.url.replace("/console/plans", "/console/visits"))
    await page.select_option("[data-test=visits-item]", demo_item["id"])
    visit = page.locator("[data-test=visit]").filter(has_text=task)
    await expect(visit).to_be_visible()
    await expect(visit.locator("[data-test=record-finding]")).to_have_count(0)

    await webapp.sign_in_as(page, "chenzhou-review", "/console/plans")
    plan = page.locator("article", has_text=department)
    await expect(plan).to_contain_text("待审批")
    await expect(plan.locator("[data-test=approve-plan]")).to_have_count(0)
    await expect(plan.get_by_role("button", name="退回")).to_have_count(0)
    await webapp.sign_in_as(page, "hu-guojun", "/console/visits")
    await page.select_option("[data-test=visits-item]", demo_item["id"])
    visit = page.locator("[data-test=visit]").filter(has_text=task)
    await expect(visit.locator("[data-test=record-finding]")).to_be_visible()
    await page.goto(page.url.replace("/console/visits", "/console/items"))
    await expect(page.locator(f"[data-test=item-{item_id}]")).to_contain_text("已批准")
    await expect(page.locator(f"[data-test=item-{item_id}] [data-test=code-item]")).to_have_count(0)


async def test_an_inspector_is_offered_the_code_sheets_of_its_own_offices_items_only(
    platform, coded_item, desk, webapp
):
    """An inspector reads only its own office's codes: another office's inspector was offered the sheet of a coded
    item, which then said 尚未赋码 (not coded yet) for a code it may not read."""
    code = await coded_item(f"督查员码单（{uuid.uuid4().hex[:6]}）")
    row = f"[data-test=item-{code['itemId']}]"
    page = await desk.new_page()
    others = platform.keys.token(Role.INSPECTOR, JIAHE, office="431024-yjj", subject="yjj-inspector")
    await webapp.sign_in_with_token(page, others, "/console/items")
    await expect(page.locator(row)).to_contain_text("DC431024")  # its code number, shown to everyone in reach
    await expect(page.locator(f"{row} [data-test=code-sheet]")).to_have_count(0)

    await webapp.sign_in_as(page, "hu-guojun", "/console/items")  # an inspector of Jiahe's office, which coded it
    await page.locator(f"{row} [data-test=code-sheet]").click()
    await expect(page.locator("[data-test=sheet] svg")).to_be_visible()


def _china_minutes_ago(shown: str) -> float:
    """How long ago, in minutes, a moment the page shows in zh-CN's short form ("2026/12/6 16:38") was, read as
    China time."""
    at = datetime.strptime(re.search(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}", shown)[0], "%Y/%m/%d %H:%M")
    return (datetime.now(CHINA).replace(tzinfo=None) - at).total_seconds() / 60


async def test_the_approval_record_and_the_visits_say_when_in_china_time_and_what_in_words(
    submitted_plan, submitted_task, demo_item, desk, webapp
):
    """The approval record showed "2026-12-06T08:38 · submitted" (the API's UTC instant, eight hours behind Hunan's
    clock, and its action as spelt) and each visit "2026-12-06T08:40"."""
    department = await submitted_plan()
    task, _village = submitted_task
    page = await desk.new_page()
    await webapp.sign_in_as(page, "chen-yuehui", "/console/plans")
    plan = page.locator("article", has_text=department)
    await plan.locator("summary").click()
    step = plan.locator("details li").first
    await expect(step).to_contain_text("报送审批")
    assert -1 <= _china_minutes_ago(await step.inner_text()) <= 10, await step.inner_text()

    await page.goto(page.url.replace("/console/plans", "/console/visits"))
    await page.select_option("[data-test=visits-item]", demo_item["id"])
    when = page.locator("[data-test=visit]").filter(has_text=task).locator("time")
    assert -1 <= _china_minutes_ago(await when.inner_text()) <= 10, await when.inner_text()
    await webapp.shot(page, "console-visits-china-time")


async def test_a_person_signed_in_with_a_token_is_named_with_their_role_in_words(platform, desk, webapp):
    """A token from the identity provider names no one: the console's bar showed its subject and "county_office"."""
    page = await desk.new_page()
    token = platform.keys.token(Role.COUNTY_OFFICE, JIAHE, office=JIAHE_OFFICE, subject="li-ming")
    await webapp.sign_in_with_token(page, token, "/console/items")
    await expect(page.locator(".wr-console-bar")).to_contain_text("li-ming · 县级督查室")
    await page.get_by_role("button", name="English").click()
    await expect(page.locator(".wr-console-bar")).to_contain_text("li-ming · county office")


async def test_returning_a_plan_or_sending_back_a_task_waits_for_the_reason(
    submitted_plan, submitted_task, desk, webapp
):
    """Without a reason the API refuses both, in English: "未成功：reason: give a reason of 1 to 1000 characters" and
    "未成功：must not be empty" stood on the Chinese page."""
    department = await submitted_plan()
    task, _village = submitted_task
    page = await desk.new_page()
    await webapp.sign_in_as(page, "chen-yuehui", "/console/plans")
    plan = page.locator("article", has_text=department)
    give_back = plan.get_by_role("button", name="退回")
    await expect(give_back).to_be_disabled()
    await plan.get_by_label("退回理由").fill("事项范围过宽，请细化")
    await give_back.click()
    await expect(plan).to_contain_text("已退回")
    await expect(plan).to_contain_text("退回理由：事项范围过宽，请细化")

    await page.goto(page.url.replace("/console/plans", "/console/tasks"))
    card = page.locator("[data-test=task-SUBMITTED]").filter(has_text=task)
    send_back = card.locator("[data-test=send-back-task]")
    await expect(send_back).to_be_disabled()
    await card.get_by_label("退回理由").fill("照片不清晰，请补拍")
    await send_back.click()
    await expect(page.locator("[data-test=task-IN_PROGRESS]").filter(has_text=task)).to_contain_text(
        "照片不清晰，请补拍"
    )
    await expect(page.get_by_role("alert")).to_have_count(0)


async def test_the_dashboard_counts_filed_items_beside_planned_ones_and_names_its_csv_tables(
    platform, call, until, desk, webapp
):
    """Jiahe's coded items include one filed outside the plan (一事一报, in the demo story): the tile read
    "2 赋码 · 计划 1 · 办结 0" with nothing to account for the other. The CSV choice listed reporting's table names
    (visits, caps)."""
    county = platform.keys.token(Role.COUNTY_OFFICE, JIAHE, office=JIAHE_OFFICE)
    page = await desk.new_page()
    await webapp.sign_in_as(page, "chen-yuehui", "/dashboard")
    tile = page.locator("[data-test=items-by-origin]")

    async def agrees() -> bool:
        items = (await call(ITEM_FIGURES, {"year": china_today().year}, county))["regionFigures"]["wholeYear"]["items"]
        words = (
            f"计划 {items['planned']['value']} · 备案 {items['filed']['value']} · 办结 {items['completed']['value']}"
        )
        return items["filed"]["value"] >= 1 and words == (await tile.inner_text()).strip()

    await until(agrees, "the tile shows the planned, filed and completed items reporting counts")
    options = await page.locator("form.wr-csv option").all_inner_texts()
    assert options == ["督查次数", "督查事项", "拒绝督查", "发现问题", "问题整改", "减负投诉", "频次压力"], options
    await page.get_by_role("button", name="English").click()
    await expect(tile).to_contain_text("filed")
    await expect(page.locator("form.wr-csv option").first).to_have_text("Visits")


@pytest.fixture
async def complaint(call, admitted_unit) -> tuple[str, str]:
    """A complaint of a new village about the demo item's inspection (to the city office above Jiahe's): its
    description and the village's token."""
    item, unit_token, _unit = admitted_unit
    description = f"要求村里准备汇报材料（{uuid.uuid4().hex[:6]}）"
    complaint = {"kind": "MATERIALS_DEMANDED", "place": "村委会", "description": description, "itemId": item["id"]}
    filed = (await call(FILE_COMPLAINT, {"input": complaint}, unit_token))["fileComplaint"]
    assert (filed["routedToLevel"], filed["routedToRegion"]) == ("city", "4310"), filed
    return description, unit_token


async def test_the_complaints_list_names_who_complained_where_it_went_and_how_it_stands(complaint, desk, webapp):
    """The complaining unit stood under 责任单位 (the unit a finding makes responsible), the office handling it as
    "city 4310", and neither when it was filed nor how far it was handled showed."""
    description, _unit_token = complaint
    page = await desk.new_page()
    await webapp.sign_in_as(page, "chenzhou-review", "/console/complaints")
    row = page.locator("[data-test=complaint]").filter(has_text=description)
    await expect(row).to_contain_text("市级督查室 · 4310")
    await expect(row.locator("[data-test=complaint-status]")).to_have_text("已受理")
    assert -1 <= _china_minutes_ago(await row.locator("time").inner_text()) <= 10
    headers = await page.locator("th").all_inner_texts()
    assert "投诉单位" in headers, headers
    assert "责任单位" not in headers, headers
    await page.get_by_role("button", name="English").click()
    await expect(row).to_contain_text("City office · 4310")
    await expect(row.locator("[data-test=complaint-status]")).to_have_text("received")


async def test_the_office_a_complaint_went_to_investigates_concludes_and_replies_from_the_list(
    complaint, call, desk, webapp
):
    """The console listed complaints and nothing more: the office they were routed to could not investigate,
    conclude or close one, and the complaining unit never read a reply."""
    description, unit_token = complaint
    page = await desk.new_page()
    await webapp.sign_in_as(page, "chenzhou-review", "/console/complaints")
    row = page.locator("[data-test=complaint]").filter(has_text=description)
    status = row.locator("[data-test=complaint-status]")

    await row.locator("[data-test=investigate]").click()
    await expect(status).to_have_text("调查中")
    await expect(row.locator("[data-test=substantiated]")).to_be_disabled()  # the findings come first
    await row.locator("[data-test=complaint-findings]").fill("督查组确曾要求准备汇报材料，已责令纠正")
    await row.locator("[data-test=substantiated]").click()
    await expect(status).to_have_text("已查实")
    await row.locator("[data-test=complaint-reply]").fill("经查属实，已通报督查组并纠正")
    await row.locator("[data-test=close-complaint]").click()
    await expect(status).to_have_text("已办结")
    await expect(row).to_contain_text("经查属实，已通报督查组并纠正")
    await expect(page.get_by_role("alert")).to_have_count(0)
    await webapp.shot(page, "console-complaint-handled")

    (mine,) = (await call(MY_COMPLAINTS, {}, unit_token))["complaints"]
    assert mine == {
        "description": description,
        "status": "CLOSED",
        "findings": "督查组确曾要求准备汇报材料，已责令纠正",
        "reply": "经查属实，已通报督查组并纠正",
    }, mine

    # Others read how it stands and take no step (an observer).
    await webapp.sign_in_as(page, "observer", "/console/complaints")
    await expect(row.locator("[data-test=complaint-status]")).to_have_text("已办结")
    await expect(row.get_by_role("button")).to_have_count(0)


async def test_an_items_timeline_names_its_steps_and_their_values_in_words(
    platform, call, until, coded_item, new_unit_token, desk, webapp
):
    """The timeline's steps read as reporting spells them (coded, visited, task_opened) and their sentences named
    the events' values: "现场督查（on_site）", "拒绝检查：cap_reached", "发现问题（medium）"."""
    code = await coded_item(f"全过程用语（{uuid.uuid4().hex[:6]}）")
    unit_token = await new_unit_token()

    async def known() -> bool:
        return (await call(VERIFY, {"code": code["token"]}, unit_token))["verifyCode"]["__typename"] == "CodeValid"

    await until(known, "inspection learns the code and the unit")
    visit = (await call(CHECK_IN, {"code": code["token"]}, unit_token))["checkIn"]
    assert (await call(REFUSE, {"code": code["token"]}, unit_token))["refuseInspection"]["__typename"] == "Refusal"
    inspector = platform.keys.token(Role.INSPECTOR, JIAHE, office=JIAHE_OFFICE)
    finding = {
        "visitId": visit["id"],
        "severity": "MEDIUM",
        "responsibleUnitId": visit["unitId"],
        "description": "警示牌缺失",
        "proposedDeadline": (china_today() + timedelta(days=10)).isoformat(),
    }
    assert (await call(FINDING, {"input": finding}, inspector))["recordFinding"]["__typename"] == "Finding"

    page = await desk.new_page()
    await webapp.sign_in_as(page, "chen-yuehui", f"/console/items/{code['itemId']}/timeline")
    steps = page.locator("[data-test=timeline-step]")
    for _ in range(40):  # reporting hears of each step through the bus
        if "下达整改" in await steps.all_inner_texts():
            break
        await page.wait_for_timeout(500)
        await page.reload()
    shown = await steps.all_inner_texts()
    assert {"赋码", "现场督查", "拒绝督查", "发现问题", "下达整改"} <= set(shown), shown
    sentences = " ".join(await page.locator("[data-test=timeline-what]").all_inner_texts())
    # No value as the events spell it (the titles carry hex digits: those are no words).
    assert re.findall(r"[a-z]+_[a-z_]+|\b(?:emergency|low|medium|high|other)\b", sentences) == [], sentences
    assert "现场督查（扫码签到）" in sentences, sentences
    assert "拒绝检查：频次已满" in sentences, sentences
    assert "发现问题（较重）" in sentences, sentences
    await page.get_by_role("button", name="English").click()
    await expect(steps.filter(has_text="task opened")).to_have_count(1)  # not task_opened
    await webapp.shot(page, "console-item-timeline-english")


async def test_the_visits_page_says_what_to_choose_and_why_an_item_shows_no_visit(coded_item, desk, webapp):
    """Before an item was chosen the page showed an empty choice and nothing else; an item without visits showed
    暂无 at most."""
    code = await coded_item(f"尚无督查（{uuid.uuid4().hex[:6]}）")
    page = await desk.new_page()
    await webapp.sign_in_as(page, "hu-guojun", "/console/visits")
    hint = page.locator("[data-test=visits-hint]")
    await expect(hint).to_have_text("请选择一个已赋码的督查事项，查看其现场督查记录。")
    await page.select_option("[data-test=visits-item]", code["itemId"])
    await expect(hint).to_contain_text("此事项还没有现场督查记录")
    await expect(page.locator("[data-test=visit]")).to_have_count(0)
