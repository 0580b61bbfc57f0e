"""Filings (一事一报 / 备案): a one-off item outside the annual plan, decided case by case."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from wurao_common.outcomes import Conflict


class FilingStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Filing:
    id: str
    office_id: str
    item_id: str
    year: int
    reason: str
    status: FilingStatus
    created_by: str
    decision_reason: str | None = None

    @property
    def authors(self) -> frozenset[str]:
        return frozenset({self.created_by})


def check_awaiting_decision(filing: Filing) -> Conflict | None:
    if filing.status is FilingStatus.SUBMITTED:
        return None
    return Conflict(f"the filing is already {filing.status}")
