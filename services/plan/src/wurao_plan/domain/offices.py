"""Supervision offices (督查室) and inspecting departments."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Office:
    id: str
    name: str
    level: str
    kind: str
    region: str
    approver_office_id: str | None
    yearly_baseline: int
