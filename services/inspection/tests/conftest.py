"""Inspection test fixtures: real PostgreSQL and Redis, and a stand-in for plan that publishes its facts.

Plan's facts go through inspection's own event handler (the one its NATS consumer runs), as plan's events would.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import wurao_inspection
from wurao_common import codes, db
from wurao_common.auth import Caller, Role
from wurao_common.bus.envelope import Event
from wurao_common.service import BUS_MIGRATIONS
from wurao_inspection.adapters import counters
from wurao_inspection.adapters.keys import SigningKeys
from wurao_inspection.consumers.plan_events import on_plan_event
from wurao_inspection.domain.periods import CHINA
from wurao_inspection.usecases.deps import Deps

MIGRATIONS = Path(wurao_inspection.__file__).parent / "migrations"
# Mid-March 2026 in Hunan: inside every default window below.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=CHINA)


@dataclass(frozen=True)
class Coded:
    item_id: str
    code: str


class PlanFacts:
    """Publishes what plan would: a signing key, cap policies, units, coded items, revocations."""

    def __init__(self, pool):
        self.pool = pool
        self.key = Ed25519PrivateKey.generate()
        self.key_id = 1

    async def publish(self, event_type: str, data: dict, region: str = "43") -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await on_plan_event(conn, Event(type=event_type, region=region, data=data))

    async def signing_key(self) -> None:
        await self.publish(
            "plan.signing_key.published",
            {
                "keyId": self.key_id,
                "publicKey": codes.public_key_text(self.key.public_key()),
                "publishedAt": datetime.now(UTC).isoformat(),
            },
        )

    async def policy(
        self, *, version=1, effective_from=date(2020, 1, 1), province=2, city=2, county=2, across=4, per_item=1
    ) -> None:
        await self.publish(
            "plan.cap_policy.published",
            {
                "version": version,
                "effectiveFrom": effective_from.isoformat(),
                "perLevelPerYear": {"province": province, "city": city, "county": county},
                "acrossLevelsPerYear": across,
                "defaultPerItemPerUnit": per_item,
            },
        )

    async def unit(self, unit_id: str | None = None, *, kind="village_committee", region="431024106201") -> str:
        unit_id = unit_id or f"u-{uuid.uuid4().hex[:10]}"
        await self.publish(
            "plan.unit.registered", {"unitId": unit_id, "name": f"村 {unit_id}", "kind": kind, "region": region}
        )
        return unit_id

    async def item(
        self,
        *,
        office_id="431024-dcs",
        office_level="county",
        office_region="431024",
        scope_regions=("431024",),
        scope_unit_kinds=(),
        window=(date(2026, 1, 1), date(2026, 12, 31)),
        not_before=datetime(2026, 1, 1, tzinfo=CHINA),
        expires=datetime(2027, 1, 1, tzinfo=CHINA),
        per_unit_cap=1,
        exemption=None,
        emergency=False,
        inspectors=({"name": "张三", "title": "督查专员"},),
    ) -> Coded:
        item_id = uuid.uuid4()
        await self.publish(
            "plan.item.coded",
            {
                "itemId": str(item_id),
                "codeNumber": f"DC-{office_region}-2026-{item_id.hex[:4]}",
                "keyId": self.key_id,
                "officeId": office_id,
                "officeName": f"{office_id} 督查室",
                "officeLevel": office_level,
                "officeKind": "supervision",
                "officeRegion": office_region,
                "kind": "supervision",
                "title": "高标准农田建设督查",
                "basis": "省委办公厅2026年督查计划",
                "content": "查看田间工程实效",
                "scopeRegions": list(scope_regions),
                "scopeUnitKinds": list(scope_unit_kinds),
                "windowStart": window[0].isoformat(),
                "windowEnd": window[1].isoformat(),
                "notBefore": not_before.isoformat(),
                "expires": expires.isoformat(),
                "inspectors": list(inspectors),
                "perUnitCap": per_unit_cap,
                "exemption": exemption,
                "exemptionReason": "群众投诉线索" if exemption else None,
                "emergency": emergency,
                "year": 2026,
            },
            region=office_region,
        )
        claims = codes.CodeClaims(key_id=self.key_id, item_id=item_id, not_before=not_before, expires=expires)
        return Coded(str(item_id), codes.sign(self.key, self.key_id, claims))

    async def revoke(self, item_id: str, reason: str = "事项取消") -> None:
        await self.publish("plan.item.revoked", {"itemId": item_id, "codeNumber": "", "reason": reason})


def _unit_caller(unit_id: str, region: str = "431024106201") -> Caller:
    return Caller(subject=f"user-{unit_id}", role=Role.UNIT, region=region, unit_id=unit_id)


def _inspector(office_id: str = "431024-dcs", region: str = "431024") -> Caller:
    return Caller(subject="inspector-1", role=Role.INSPECTOR, region=region, office_id=office_id)


@pytest.fixture
def chenzhou_office() -> dict:
    """What plan publishes of Chenzhou's city supervision office, where complaints about Jiahe county's offices go."""
    return {
        "officeId": "4310-dcs",
        "name": "郴州市委督查室",
        "level": "city",
        "kind": "supervision",
        "region": "4310",
        "approverOfficeId": "43-dcs",
        "yearlyBaseline": 30,
    }


@pytest.fixture
def as_unit() -> Callable[..., Caller]:
    return _unit_caller


@pytest.fixture
def as_inspector() -> Callable[..., Caller]:
    return _inspector


@pytest.fixture
def now() -> datetime:
    return NOW


async def redis_disagreements(redis, pool) -> list[str]:
    """Every cap counter Redis holds, compared with the count of the visits it covers in PostgreSQL (a joint
    visit's item visits count once between them)."""
    found = []
    async for key in redis.scan_iter(match="wurao:cap:*"):
        held = await redis.hget(key, "n")
        if held is None:  # expired or flushed between the scan and the read
            continue
        unit_id = key[key.index("{") + 1 : key.index("}")]
        scope = key[key.index("}") + 2 :].split(":")
        match scope:
            case ["level", level, year]:
                where, args = "office_level = $2 AND period_year = $3", [level, int(year)]
            case ["all", year]:
                where, args = "period_year = $2", [int(year)]
            case ["item", item_id]:
                where, args = "item_id = $2::uuid", [item_id]
        truth = await pool.fetchval(
            "SELECT count(DISTINCT coalesce(joint_visit_id, id)) FROM visits"
            f" WHERE unit_id = $1 AND counted AND {where}",
            unit_id,
            *args,
        )
        if int(held) != truth:
            found.append(f"{key}: Redis holds {held}, PostgreSQL counts {truth}")
    return found


@pytest.fixture
def disagreements() -> Callable:
    return redis_disagreements


@pytest.fixture
async def migrated(pool):
    await db.migrate(pool, {"bus": BUS_MIGRATIONS, "inspection": MIGRATIONS})
    return pool


@pytest.fixture
async def cap_counters(servers):
    async with counters.connect(servers.redis.url) as opened:
        await opened.redis.flushall()
        yield opened


@pytest.fixture
async def deps(migrated, cap_counters) -> Deps:
    return Deps(pool=migrated, counters=cap_counters, keys=SigningKeys(migrated))


@pytest.fixture
async def plan(migrated) -> PlanFacts:
    facts = PlanFacts(migrated)
    await facts.signing_key()
    await facts.policy()
    return facts
