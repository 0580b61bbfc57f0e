"""Frequency caps (频次限制): which counters a check-in touches, their Redis keys, limits and lifetimes.

A counted visit increments three counters of the inspected unit: its visits by offices of the item's level
this year, its visits by all levels this year, and its visits under this item. All three must have room.
Every key of one unit carries the same hash tag, so one Lua script can touch them all on a Redis Cluster too.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property

from wurao_common.ids import is_uuid
from wurao_inspection.domain.items import CodedItem, Level
from wurao_inspection.domain.periods import china_year, end_of_year, ttl_seconds

KEY_PREFIX = "wurao:cap"


class CapScope(enum.StrEnum):
    LEVEL = "level"
    ACROSS_LEVELS = "across_levels"
    ITEM = "item"


@dataclass(frozen=True)
class CapPolicy:
    version: int
    effective_from: date
    per_level_per_year: Mapping[str, int]
    across_levels_per_year: int
    default_per_item_per_unit: int


@dataclass(frozen=True)
class Counter:
    scope: CapScope
    unit_id: str
    limit: int
    ends_at: datetime
    year: int | None = None
    level: Level | None = None
    item_id: str | None = None

    @cached_property
    def key(self) -> str:  # asked for many times per scan and check-in: built once
        unit = f"{KEY_PREFIX}:{{{self.unit_id}}}"
        match self.scope:
            case CapScope.LEVEL:
                return f"{unit}:level:{self.level}:{self.year}"
            case CapScope.ACROSS_LEVELS:
                return f"{unit}:all:{self.year}"
            case CapScope.ITEM:
                return f"{unit}:item:{self.item_id}"
        raise AssertionError(self.scope)

    def covers(self, year: int, level: str, item_id: str) -> bool:
        """Whether a counted visit (its year, its office's level, its item) counts against this counter."""
        match self.scope:
            case CapScope.LEVEL:
                return year == self.year and level == self.level
            case CapScope.ACROSS_LEVELS:
                return year == self.year
            case CapScope.ITEM:
                return item_id == self.item_id
        raise AssertionError(self.scope)

    def ttl(self, now: datetime) -> int:
        return ttl_seconds(self.ends_at, now)


def counted_by_key(key: str) -> Counter | None:
    """The counter a Redis key names, for recounting it from visits (its limit and end are not in the key).

    None for a key that is not a cap counter's.
    """
    if not key.startswith(f"{KEY_PREFIX}:{{") or "}:" not in key:
        return None
    unit_id, _, scope = key[len(KEY_PREFIX) + 2 :].partition("}:")
    unknown_end = datetime.min.replace(tzinfo=UTC)
    match scope.split(":"):
        case ["level", level, year] if level in {member.value for member in Level} and year.isdigit():
            return Counter(CapScope.LEVEL, unit_id, 0, unknown_end, year=int(year), level=Level(level))
        case ["all", year] if year.isdigit():
            return Counter(CapScope.ACROSS_LEVELS, unit_id, 0, unknown_end, year=int(year))
        case ["item", item_id] if is_uuid(item_id):
            return Counter(CapScope.ITEM, unit_id, 0, unknown_end, item_id=item_id)
    return None


def policy_in_effect(policies: Iterable[CapPolicy], on: date) -> CapPolicy | None:
    """The newest version whose effective date has come (plan's rule)."""
    return max((policy for policy in policies if policy.effective_from <= on), key=lambda p: p.version, default=None)


def item_counter(unit_id: str, item: CodedItem, policy: CapPolicy) -> Counter:
    limit = item.per_unit_cap if item.per_unit_cap > 0 else policy.default_per_item_per_unit
    return Counter(CapScope.ITEM, unit_id, limit, item.ends_at, item_id=item.id)


def level_counter(unit_id: str, level: Level, policy: CapPolicy, year: int) -> Counter:
    return Counter(CapScope.LEVEL, unit_id, policy.per_level_per_year[level], end_of_year(year), year=year, level=level)


def across_counter(unit_id: str, policy: CapPolicy, year: int) -> Counter:
    return Counter(CapScope.ACROSS_LEVELS, unit_id, policy.across_levels_per_year, end_of_year(year), year=year)


def counters_for(unit_id: str, item: CodedItem, policy: CapPolicy, inspected_at: datetime) -> tuple[Counter, ...]:
    """The counters a counted visit at `inspected_at` must find room in and increments."""
    year = china_year(inspected_at)
    return (
        level_counter(unit_id, item.office.level, policy, year),
        across_counter(unit_id, policy, year),
        item_counter(unit_id, item, policy),
    )


def joint_counters(
    unit_id: str, items: Iterable[CodedItem], policy: CapPolicy, inspected_at: datetime
) -> tuple[Counter, ...]:
    """The counters a joint visit of `items` (those counted) must find room in and increments, each once: the
    unit's yearly counters of every level involved and across levels count the occasion once, while each
    item's own counter counts its item."""
    found: dict[str, Counter] = {}
    for item in items:
        for counter in counters_for(unit_id, item, policy, inspected_at):
            found.setdefault(counter.key, counter)
    return tuple(found.values())


def shown_counters(unit_id: str, item: CodedItem, policy: CapPolicy, at: datetime) -> tuple[Counter, ...]:
    """What a scan shows: every level's counter this year, across levels, and this item's."""
    year = china_year(at)
    return (
        *(level_counter(unit_id, level, policy, year) for level in Level),
        across_counter(unit_id, policy, year),
        item_counter(unit_id, item, policy),
    )


@dataclass(frozen=True)
class Standing:
    """How far one counter of the unit is used: `applies` says whether this item's visits count against it."""

    counter: Counter
    used: int
    applies: bool

    @property
    def full(self) -> bool:
        return self.applies and self.used >= self.counter.limit


def standing(shown: Iterable[Counter], applicable: Iterable[Counter], used: Mapping[str, int]) -> tuple[Standing, ...]:
    keys = {counter.key for counter in applicable}
    return tuple(Standing(counter, used.get(counter.key, 0), counter.key in keys) for counter in shown)


def tally(counters: Iterable[Counter], visits: Iterable[tuple[int, str, str, str]]) -> dict[str, int]:
    """Each counter's value from counted visit rows as (year, office level, item id, occasion).

    The occasion is the joint visit a row belongs to, else the visit itself: a joint visit of several items
    counts once on each yearly counter it touches, and once on each of its items' counters.
    """
    visits = list(visits)
    return {
        counter.key: len(
            {occasion for year, level, item_id, occasion in visits if counter.covers(year, level, item_id)}
        )
        for counter in counters
    }
