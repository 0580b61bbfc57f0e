"""Who may do what, where. Pure rules; the use cases apply them before touching anything."""

from __future__ import annotations

from wurao_common.auth import Caller


def may_read_office(caller: Caller, office_region: str) -> bool:
    return caller.can_reach(office_region)


def may_draft_plan(caller: Caller, office_id: str, office_region: str) -> bool:
    """Only the office itself drafts its plan."""
    return caller.role.is_office and caller.office_id == office_id and caller.can_reach(office_region)
