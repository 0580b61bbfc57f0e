"""One item, one code (一事一码): the readable number, the validity window, who may code, read and revoke."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from wurao_common.auth import Caller, Role

CHINA = timezone(timedelta(hours=8), "CST")
# Pinyin initials: 督查 (supervision office), 部门 (inspecting department).
KIND_LETTERS = {"supervision": "DC", "department": "BM"}
MAX_SEQUENCE = 99_999
# The QR code must fit version 12 at error level Q (203 bytes): a 122-character token leaves 81.
MAX_SCAN_BASE_URL = 80
MAX_REASON = 500


@dataclass(frozen=True)
class CodableItem:
    """An item with what coding needs to know about it and its office, read in one go."""

    id: str
    status: str
    year: int
    kind: str
    title: str
    basis: str
    content: str
    scope_regions: list[str]
    scope_unit_kinds: list[str]
    window_start: date
    window_end: date
    inspectors: list[Any]
    per_unit_cap: int
    exemption: str | None
    exemption_reason: str | None
    emergency: bool
    office_id: str
    office_name: str
    office_level: str
    office_kind: str
    office_region: str
    office_approver_id: str | None


@dataclass(frozen=True)
class ItemCode:
    item_id: str
    number: str
    token: str
    key_id: int
    not_before: datetime
    expires: datetime
    coded_at: datetime
    office_id: str
    office_region: str
    revoked_at: datetime | None = None
    revoke_reason: str | None = None


def number_prefix(office_kind: str, office_region: str, year: int) -> str:
    """`DC` + `431024` + `25`: the part of the number a counter row is kept for."""
    return f"{KIND_LETTERS[office_kind]}{office_region[:6].ljust(6, '0')}{year % 100:02d}"


def code_number(prefix: str, sequence: int) -> str:
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence {sequence} outside 1..{MAX_SEQUENCE}")
    return f"{prefix}{sequence:05d}"


def validity(window_start: date, window_end: date) -> tuple[datetime, datetime]:
    """From the window's first day 00:00 to its last day 24:00, China time."""
    return (
        datetime.combine(window_start, time(), CHINA),
        datetime.combine(window_end + timedelta(days=1), time(), CHINA),
    )


def coding_problem(item: CodableItem, now: datetime) -> str | None:
    """Why an item cannot be coded now, or None."""
    if item.status != "approved":
        return f"only approved items can be coded; this one is {item.status}"
    if validity(item.window_start, item.window_end)[1] <= now:
        return f"the item's window ended on {item.window_end.isoformat()}"
    return None


def may_code(caller: Caller, item: CodableItem) -> bool:
    """Only the item's own office codes it."""
    return caller.role.is_office and caller.office_id == item.office_id and caller.can_reach(item.office_region)


def may_revoke(caller: Caller, item: CodableItem) -> bool:
    """The issuing office, the office that approves its plans, or any office above it whose region contains it."""
    if not caller.role.is_office or not caller.can_reach(item.office_region):
        return False
    own_line = caller.office_id is not None and caller.office_id in (item.office_id, item.office_approver_id)
    return own_line or len(caller.region) < len(item.office_region)


def may_read_code(caller: Caller, code: ItemCode) -> bool:
    """Offices and observers reaching the issuing office; an inspector only its own office's codes (the ones it shows
    on site: another office's code in its hands would pass its visits off as that office's); units see codes only by
    scanning them."""
    if caller.role is Role.UNIT or not caller.can_reach(code.office_region):
        return False
    return caller.role is not Role.INSPECTOR or caller.office_id == code.office_id


def coded_event_data(item: CodableItem, code: ItemCode) -> dict[str, Any]:
    """Everything `inspection` needs to decide at the gate without asking plan."""
    return {
        "itemId": item.id,
        "codeNumber": code.number,
        "keyId": code.key_id,
        "officeId": item.office_id,
        "officeName": item.office_name,
        "officeLevel": item.office_level,
        "officeKind": item.office_kind,
        "officeRegion": item.office_region,
        "kind": item.kind,
        "title": item.title,
        "basis": item.basis,
        "content": item.content,
        "scopeRegions": item.scope_regions,
        "scopeUnitKinds": item.scope_unit_kinds,
        "windowStart": item.window_start.isoformat(),
        "windowEnd": item.window_end.isoformat(),
        "notBefore": code.not_before.isoformat(),
        "expires": code.expires.isoformat(),
        "inspectors": item.inspectors,
        "perUnitCap": item.per_unit_cap,
        "exemption": item.exemption,
        "exemptionReason": item.exemption_reason,
        "emergency": item.emergency,
        "year": item.year,
    }


def public_status(code: ItemCode, now: datetime) -> str:
    """What the public summary says of a genuine code: revoked before anything else, then its window."""
    if code.revoked_at is not None:
        return "revoked"
    if now < code.not_before:
        return "not_yet_valid"
    if now >= code.expires:
        return "expired"
    return "valid"


def reason_problem(reason: str) -> str | None:
    if not reason.strip():
        return "give a reason"
    if len(reason) > MAX_REASON:
        return f"at most {MAX_REASON} characters"
    return None


def scan_base_url_problem(url: str, *, production: bool) -> str | None:
    """The scan page's address, to which the token is appended; it must keep the QR code within version 12-Q."""
    if not url.isascii() or len(url) > MAX_SCAN_BASE_URL:
        return f"must be at most {MAX_SCAN_BASE_URL} ASCII characters"
    parts = urlsplit(url)
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed or not parts.netloc:
        return f"must be an absolute {' or '.join(allowed)} URL"
    if parts.fragment or not url.endswith(("/", "=")):
        return "must end with '/' (or '=' of a last query parameter) so the token can be appended"
    return None


def scan_url(base_url: str, token: str) -> str:
    return base_url + token
