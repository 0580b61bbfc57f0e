"""The negative list (负面清单): what an inspection may not demand. Shown on every scan, cited in complaints."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

_CODE = re.compile(r"[A-Z][A-Z0-9]{1,15}")  # fullmatch: no trailing newline
MAX_ENTRIES = 50
MAX_TEXT = 300


@dataclass(frozen=True)
class Entry:
    code: str
    text: str


@dataclass(frozen=True)
class NegativeList:
    version: int
    published_at: datetime
    entries: tuple[Entry, ...]


# Hunan's list as the source articles and the 2024 burden-reduction rules state it.
DEFAULT_ENTRIES = (
    Entry("N01", "不查无必要的资料材料：不要求基层准备、报送与督查事项无关的资料台账"),
    Entry("N02", "不查无线索的记录纪要：没有问题线索，不调阅会议记录、工作纪要"),
    Entry("N03", "不查无规定的配套举措：不要求制定法规政策没有规定的配套文件、方案、制度"),
    Entry("N04", "不要求陪同：督查检查不打招呼、不要层层陪同、不安排迎送"),
    Entry("N05", "不要求汇报：不要求基层专门汇报、座谈、准备汇报材料"),
    Entry("N06", "不搞大队伍：督查组精干，不搭车、不扎堆、不组织大规模随行人员"),
    Entry("N07", "不在任务刚部署即督查：给基层留出落实时间，不刚布置就检查"),
    Entry("N08", "不以留痕论成效：不以资料多少、照片视频、签到打卡评判工作"),
    Entry("N09", "不重复填报：不要求基层重复报送已有数据、表格"),
    Entry("N10", "不以政务应用和工作群替代实绩：不以APP使用、群内截图作为督查依据"),
)


def entries_problem(entries: list[Entry]) -> tuple[str, str] | None:
    """(field, reason) when the entries are not a publishable list."""
    if not 1 <= len(entries) <= MAX_ENTRIES:
        return "entries", f"give between 1 and {MAX_ENTRIES} entries"
    codes = [entry.code for entry in entries]
    for index, entry in enumerate(entries):
        if not _CODE.fullmatch(entry.code):
            return f"entries[{index}].code", "2 to 16 capital letters or digits, starting with a letter"
        if not entry.text.strip() or len(entry.text) > MAX_TEXT:
            return f"entries[{index}].text", f"between 1 and {MAX_TEXT} characters"
    if len(set(codes)) != len(codes):
        return "entries", "each code may appear once"
    return None


def event_data(negative_list: NegativeList) -> dict:
    return {
        "version": negative_list.version,
        "publishedAt": negative_list.published_at.isoformat(),
        "entries": [{"code": entry.code, "text": entry.text} for entry in negative_list.entries],
    }
