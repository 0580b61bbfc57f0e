"""An item's story (全流程跟踪): which events belong to it, what each step is called and what it may show.

Each step keeps a few named fields of its event and nothing else: never the identity of a complainant or a
rater, never a person's token subject, never free text a unit wrote about itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

_ITEM = ("title", "kind", "emergency", "codeNumber", "reason")

# The events' values a step names, in the words the web app shows for them (web/src/messages.ts): a step said
# "现场督查（on_site）" or "拒绝检查：cap_reached". A value not listed is said as sent.
_REGISTRATION = {"on_site": "扫码签到", "emergency": "紧急督查补登"}
_REFUSAL_REASON = {
    "no_code": "未亮码",
    "code_invalid": "码无效",
    "cap_reached": "频次已满",
    "out_of_scope": "不在督查范围",
    "negative_list_breach": "违反负面清单",
}
_SEVERITY = {"low": "一般", "medium": "较重", "high": "严重"}
_COMPLAINT_KIND = {
    "unplanned_inspection": "计划外督查",
    "over_cap": "超频次督查",
    "negative_list_breach": "违反负面清单",
    "materials_demanded": "要求准备材料",
    "other": "其他",
}
_TASK = ("taskId", "findingId", "severity", "deadline", "onTime", "level", "timesSentBack")


@dataclass(frozen=True)
class Step:
    name: str
    keeps: tuple[str, ...]
    says: str  # what the step was, filled from the fields it keeps
    shows_unit: bool = True
    words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # a kept field's values, in words


STEPS: dict[str, Step] = {
    "plan.item.drafted": Step("drafted", _ITEM, "列入年度计划：{title}"),
    "plan.item.revised": Step("revised", _ITEM, "修改：{title}"),
    "plan.item.removed": Step("removed", (), "移出计划"),
    "plan.filing.submitted": Step("filed", (*_ITEM, "filingId"), "一事一报备案：{title}"),
    "plan.filing.approved": Step("filing_approved", ("filingId", "approverOfficeId"), "备案获批"),
    "plan.filing.rejected": Step("filing_rejected", ("filingId", "approverOfficeId", "reason"), "备案被驳回：{reason}"),
    "plan.item.approved": Step("approved", _ITEM, "审批通过：{title}"),
    "plan.item.cancelled": Step("cancelled", ("reason",), "撤销：{reason}"),
    "plan.item.coded": Step(
        "coded", ("codeNumber", "windowStart", "windowEnd"), "赋码 {codeNumber}（{windowStart} 至 {windowEnd}）"
    ),
    "plan.item.revoked": Step("revoked", ("codeNumber", "reason"), "督查码 {codeNumber} 作废：{reason}"),
    "plan.item.activated": Step("activated", ("codeNumber",), "督查码 {codeNumber} 生效"),
    "plan.item.completed": Step("completed", ("codeNumber",), "办结"),
    "plan.item.reopened": Step("reopened", ("codeNumber",), "新的整改任务，重新打开"),
    "inspection.visit.checked_in": Step(
        "visited",
        ("visitId", "codeNumber", "counted", "registration", "late"),
        "现场督查（{registration}）",
        words={"registration": _REGISTRATION},
    ),
    "inspection.visit.completed": Step("visit_completed", ("visitId", "summary"), "督查完成：{summary}"),
    "inspection.refusal.recorded": Step(
        "refused",
        ("refusalId", "reason", "verdict", "negativeListEntry"),
        "拒绝检查：{reason}",
        words={"reason": _REFUSAL_REASON},
    ),
    "inspection.finding.recorded": Step(
        "finding",
        ("findingId", "visitId", "severity", "proposedDeadline"),
        "发现问题（{severity}），建议整改期限 {proposedDeadline}",
        words={"severity": _SEVERITY},
    ),
    "inspection.complaint.filed": Step(
        "complaint",
        ("kind", "negativeListEntry"),
        "减负投诉：{kind}",
        shows_unit=False,
        words={"kind": _COMPLAINT_KIND},
    ),
    "rectification.task.opened": Step("task_opened", _TASK, "下达整改任务，期限 {deadline}"),
    "rectification.task.started": Step("task_started", _TASK, "开始整改"),
    "rectification.task.submitted": Step("task_submitted", _TASK, "提交整改"),
    "rectification.task.sent_back": Step("task_sent_back", _TASK, "整改退回（第 {timesSentBack} 次）"),
    "rectification.task.verified": Step("task_verified", _TASK, "整改验收通过"),
    "rectification.task.closed": Step("task_closed", _TASK, "整改销号"),
    "rectification.task.reminded": Step("task_reminded", _TASK, "整改到期提醒：期限 {deadline}"),
    "rectification.task.escalated": Step(
        "task_escalated",
        (*_TASK, "escalatedToRegion", "escalatedToOfficeId"),
        "逾期上报（第 {level} 级，期限 {deadline}）",
    ),
    "rectification.task.extension_requested": Step(
        "task_extension_requested", (*_TASK, "until"), "申请延期：期限 {deadline} 延至 {until}"
    ),
    "rectification.task.extension_approved": Step(
        "task_extension_approved", (*_TASK, "previousDeadline"), "延期获批：期限 {previousDeadline} 延至 {deadline}"
    ),
    "rectification.task.extension_declined": Step(
        "task_extension_declined", _TASK, "延期未获批准，期限仍为 {deadline}"
    ),
    "rectification.item.settled": Step("settled", (), "整改全部完成"),
}


def detail(event_type: str, data: dict) -> dict:
    step = STEPS[event_type]
    return {key: data[key] for key in step.keeps if data.get(key) is not None}


def says(event_type: str, detail: dict) -> str:
    step = STEPS[event_type]
    shown = {
        key: step.words.get(key, {}).get(value, value) if isinstance(value, str) else value
        for key, value in detail.items()
    }
    return step.says.format_map(defaultdict(str, shown))


def unit_shown(event_type: str, unit_id: str | None) -> str | None:
    return unit_id if STEPS[event_type].shows_unit else None
