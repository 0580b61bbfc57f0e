"""The story of the source articles, played through the use cases so every step goes out as an event.

- Jiahe county's supervision office plans a flood-season special inspection (汛期防汛备汛专项督查) of Longtan and
  Yuanjia towns; Chenzhou's office approves the plan; the item is coded.
- Jiahe's emergency management bureau files a one-off post-flood re-check of hazard sites (一事一报), approved by
  Jiahe's supervision office, and coded.
- Changsha's office plans the park manufacturing special inspection (园区制造业提升行动专项督查) at the Wangcheng
  economic development zone; the province's office approves; the item is coded.
- Hengyang's office submits its plan (checking that cleared certification requirements and signs stay cleared);
  it awaits the province's decision.

State-driven, so a second run finds every step done and changes nothing. The plan year is the current one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

import asyncpg

from wurao_common.auth import Caller
from wurao_common.outcomes import Refusal
from wurao_plan.adapters import filings, items, plans
from wurao_plan.domain.filings import Filing, FilingStatus
from wurao_plan.domain.items import Exemption, Inspector, Item, ItemDetails, ItemKind, ItemStatus
from wurao_plan.domain.plans import Plan, PlanStatus
from wurao_plan.domain.units import UnitKind
from wurao_plan.seed.staff import expect, staff
from wurao_plan.usecases import filings as filing_cases
from wurao_plan.usecases import items as item_cases
from wurao_plan.usecases import plans as plan_cases

# Codes an approved item as the given member of its office; part B's `code_item` with the signing key bound.
CodeItem = Callable[[Caller, str], Awaitable[object]]


@dataclass(frozen=True)
class PlanStory:
    author: Caller
    approver: Caller | None  # None: left submitted, awaiting the decision
    items: tuple[ItemDetails, ...]


@dataclass(frozen=True)
class FilingStory:
    author: Caller
    approver: Caller
    reason: str
    item: ItemDetails


def plan_stories(year: int) -> list[PlanStory]:
    return [
        PlanStory(
            author=staff("431024-dcs", "chen-yuehui"),
            approver=staff("4310-dcs", "plan-review"),
            items=(
                ItemDetails(
                    kind=ItemKind.SUPERVISION,
                    title="汛期防汛备汛专项督查",
                    basis="嘉禾县地质灾害隐患点多，汛期临近，防汛物资储备、隐患点巡查和应急预案落实情况需到现场核实。",
                    content="不查无必要的资料材料、无线索的记录纪要、无规定的配套举措，直插现场看防汛备汛实效。",
                    scope_regions=("431024106", "431024103"),
                    scope_unit_kinds=(UnitKind.VILLAGE_COMMITTEE, UnitKind.TOWNSHIP_GOVERNMENT),
                    window_start=date(year, 4, 1),
                    window_end=date(year, 12, 31),
                    inspectors=(
                        Inspector("陈跃辉", "嘉禾县委督查室主任"),
                        Inspector("胡国军", "嘉禾县应急管理局水旱地灾股负责人"),
                    ),
                ),
            ),
        ),
        PlanStory(
            author=staff("4301-dcs", "plan-author"),
            approver=staff("43-dcs", "plan-review"),
            items=(
                ItemDetails(
                    kind=ItemKind.SUPERVISION,
                    title="园区制造业提升行动专项督查",
                    basis="园区制造业提升行动部分项目建设进度滞后，需到项目现场核实推进情况。",
                    content="先扫码、再督查；到项目施工现场看进度，不层层陪同、不听汇报。",
                    scope_regions=("430112",),
                    scope_unit_kinds=(UnitKind.PARK, UnitKind.ENTERPRISE),
                    window_start=date(year, 3, 1),
                    window_end=date(year, 12, 31),
                    inspectors=(Inspector("冯吕孜孜", "长沙市委督查室督查组成员"),),
                ),
            ),
        ),
        PlanStory(
            author=staff("4304-dcs", "plan-author"),
            approver=None,
            items=(
                ItemDetails(
                    kind=ItemKind.INSPECTION,
                    title="村级组织减负事项落实情况检查",
                    basis="全市已取消村级证明事项36项、清理不规范挂牌15万余块，需抽查是否反弹。",
                    content="到村看挂牌和证明事项办理现场，不要求村里准备台账。",
                    scope_regions=("430421",),
                    scope_unit_kinds=(UnitKind.VILLAGE_COMMITTEE,),
                    window_start=date(year, 6, 1),
                    window_end=date(year, 12, 31),
                    inspectors=(Inspector("衡阳市委督查室", "督查组"),),
                ),
            ),
        ),
    ]


def filing_stories(year: int) -> list[FilingStory]:
    return [
        FilingStory(
            author=staff("431024-yjj", "hu-guojun"),
            approver=staff("431024-dcs", "chen-yuehui"),
            reason="汛后新增地质灾害隐患点，需在年度计划外复查一次。",
            item=ItemDetails(
                kind=ItemKind.INSPECTION,
                title="汛后地质灾害隐患点复查",
                basis="袁家镇汛后新发现地质灾害隐患点，需现场复查整改措施。",
                content="到隐患点现场查看监测和避险措施。",
                scope_regions=("431024103",),
                scope_unit_kinds=(UnitKind.VILLAGE_COMMITTEE,),
                window_start=date(year, 11, 1),
                window_end=date(year, 12, 31),
                inspectors=(Inspector("胡国军", "嘉禾县应急管理局水旱地灾股负责人"),),
                exemption=Exemption.EMERGENCY,
                exemption_reason="汛后地灾隐患，先查后报",
                emergency=True,
            ),
        ),
    ]


async def play_story(pool: asyncpg.Pool, year: int, code_item: CodeItem | None) -> None:
    """Plays every story to its end; `code_item` None leaves approved items uncoded."""
    for story in plan_stories(year):
        plan = await _play_plan(pool, story, year)
        if code_item is not None and plan.status is PlanStatus.APPROVED:
            for item in (await items.for_plans(pool, [plan.id]))[plan.id]:
                await _code(code_item, story.author, item.id, item.status)
    for story in filing_stories(year):
        filing = await _play_filing(pool, story, year)
        item = (await items.get_many(pool, [filing.item_id]))[filing.item_id]
        if code_item is not None:
            await _code(code_item, story.author, item.id, item.status)


async def _play_plan(pool: asyncpg.Pool, story: PlanStory, year: int) -> Plan:
    office_id = story.author.office_id
    plan = next((p for p in (await plans.for_offices(pool, [office_id]))[office_id] if p.year == year), None)
    if plan is None:
        plan = expect(await plan_cases.draft_plan(pool, story.author, year), Plan)
    if plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        written = {item.details.title for item in (await items.for_plans(pool, [plan.id]))[plan.id]}
        for details in story.items:
            if details.title not in written:
                expect(await item_cases.add_item(pool, story.author, plan.id, details), Item)
        plan = expect(await plan_cases.submit_plan(pool, story.author, plan.id), Plan)
    if plan.status is PlanStatus.SUBMITTED and story.approver is not None:
        plan = expect(await plan_cases.approve_plan(pool, story.approver, plan.id), Plan)
    return plan


async def _play_filing(pool: asyncpg.Pool, story: FilingStory, year: int) -> Filing:
    author = story.author
    filed = await filings.search(
        pool, region=author.region, office_id=author.office_id, year=year, status=None, limit=500
    )
    titles = await items.get_many(pool, [filing.item_id for filing in filed])
    filing = next((f for f in filed if titles[f.item_id].details.title == story.item.title), None)
    if filing is None:
        filing = expect(await filing_cases.file_item(pool, author, story.item, story.reason), Filing)
    if filing.status is FilingStatus.SUBMITTED:
        filing = expect(await filing_cases.approve_filing(pool, story.approver, filing.id), Filing)
    return filing


async def _code(code_item: CodeItem, author: Caller, item_id: str, status: ItemStatus) -> None:
    if status is ItemStatus.APPROVED:
        outcome = await code_item(author, item_id)
        if isinstance(outcome, Refusal):
            raise RuntimeError(f"demo story: coding {item_id} refused: {outcome!r}")
