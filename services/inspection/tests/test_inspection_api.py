"""The inspection subgraph over HTTP, in process, on real PostgreSQL, Redis and NATS.

Plan's facts arrive the way they do in production: as events on JetStream, applied by inspection's consumer.
"""

import asyncio
import json
import logging
import secrets
import uuid
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis.asyncio import Redis

from wurao_common import codes, db
from wurao_common.auth import Caller, Role
from wurao_common.bus.contract import Conformance
from wurao_common.bus.envelope import Event
from wurao_common.config import Config, SettingsError
from wurao_common.service import migration_components
from wurao_common.testing import apply_again, graphql, serving, settings_from
from wurao_inspection.api.context import InspectionContext
from wurao_inspection.app import MIGRATIONS, create_app
from wurao_inspection.domain.periods import CHINA
from wurao_inspection.settings import InspectionSettings
from wurao_inspection.usecases.deps import Deps

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=CHINA)
VILLAGE = ("431024106201-cwh", "431024106201")
TOWN = ("431024106-zf", "431024106")

VERIFY = """query($code: String!) { verifyCode(code: $code) { __typename
  ... on ScanOutcome { negativeList { code text } }
  ... on CodeValid { item { title basis officeName inspectors { name } windowEnd }
                     standing { scope level used allowed applies full } }
  ... on CapReached { exhausted { scope used allowed } }
  ... on CodeRevoked { reason } ... on CodeForged { reason } ... on NotAllowed { reason } } }"""
CHECK_IN = """mutation($code: String!, $requestId: String) { checkIn(code: $code, requestId: $requestId) { __typename
  ... on Visit { id counted status registration item { codeNumber } }
  ... on CapReached { exhausted { scope } } ... on NotAllowed { reason } ... on Unavailable { reason } } }"""
FINDING = """mutation($input: FindingInput!) { recordFinding(input: $input) { __typename
  ... on Finding { id severity responsibleUnitId } ... on NotAllowed { reason }
  ... on InvalidInput { field reason } } }"""


class Plan:
    """Publishes plan's events on JetStream, as the plan service's outbox relay would."""

    def __init__(self, nats_client):
        self.js = nats_client.jetstream()
        self.key = Ed25519PrivateKey.generate()
        self.key_id = 1

    async def publish(self, event_type: str, data: dict, region: str = "43") -> None:
        event = Event(type=event_type, region=region, data=data)
        await self.js.publish(event.nats_subject, event.to_json(), headers={"Nats-Msg-Id": event.id})

    async def basics(self) -> None:
        await self.publish(
            "plan.signing_key.published",
            {
                "keyId": self.key_id,
                "publicKey": codes.public_key_text(self.key.public_key()),
                "publishedAt": datetime.now(UTC).isoformat(),
            },
        )
        await self.publish(
            "plan.cap_policy.published",
            {
                "version": 1,
                "effectiveFrom": "2020-01-01",
                "perLevelPerYear": {"province": 2, "city": 2, "county": 2},
                "acrossLevelsPerYear": 4,
                "defaultPerItemPerUnit": 1,
            },
        )
        await self.publish(
            "plan.negative_list.published",
            {
                "version": 1,
                "publishedAt": datetime.now(UTC).isoformat(),
                "entries": [{"code": "N04", "text": "不要求陪同"}, {"code": "N05", "text": "不要求汇报"}],
            },
        )
        for unit_id, region in (VILLAGE, TOWN):
            await self.publish(
                "plan.unit.registered",
                {"unitId": unit_id, "name": unit_id, "kind": "village_committee", "region": region},
            )

    async def item(
        self,
        *,
        office=("431024-dcs", "county", "431024"),
        emergency=False,
        window=("2026-01-01", "2026-12-31"),
        unit_kinds=(),
    ) -> tuple[str, str]:
        item_id = uuid.uuid4()
        not_before, expires = datetime(2026, 1, 1, tzinfo=CHINA), datetime(2027, 1, 1, tzinfo=CHINA)
        await self.publish(
            "plan.item.coded",
            {
                "itemId": str(item_id),
                "codeNumber": f"DCS-{office[2]}-2026-{item_id.hex[:4]}",
                "keyId": self.key_id,
                "officeId": office[0],
                "officeName": "嘉禾县委督查室",
                "officeLevel": office[1],
                "officeKind": "supervision",
                "officeRegion": office[2],
                "kind": "supervision",
                "title": "农村人居环境整治督查",
                "basis": "群众反映村道垃圾清运不及时",
                "content": "实地查看清运情况",
                "scopeRegions": ["431024"],
                "scopeUnitKinds": list(unit_kinds),
                "windowStart": window[0],
                "windowEnd": window[1],
                "notBefore": not_before.isoformat(),
                "expires": expires.isoformat(),
                "inspectors": [{"name": "李四", "title": "督查组长"}],
                "perUnitCap": 1,
                "exemption": None,
                "exemptionReason": None,
                "emergency": emergency,
                "year": 2026,
            },
            region=office[2],
        )
        claims = codes.CodeClaims(key_id=self.key_id, item_id=item_id, not_before=not_before, expires=expires)
        return str(item_id), codes.sign(self.key, self.key_id, claims)


async def until(check, timeout: float = 10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


@pytest.fixture
async def service(service_env, servers, nats_client, pool):
    env = service_env(bus_user="inspection")
    app = create_app(settings_from(env), InspectionSettings.from_env(Config(environ=env)), clock=lambda: NOW)
    async with serving(app) as client:
        async with Redis.from_url(servers.redis.url) as redis:
            await redis.flushall()
        plan = Plan(nats_client)
        await plan.basics()
        await until(lambda: pool.fetchval("SELECT count(*) = 2 FROM units"))
        yield client, plan


async def coded_item(plan, pool, **kwargs) -> tuple[str, str]:
    item_id, code = await plan.item(**kwargs)
    await until(lambda: pool.fetchval("SELECT true FROM items WHERE id = $1::uuid", item_id))
    await until(lambda: pool.fetchval("SELECT true FROM signing_keys WHERE key_id = $1", plan.key_id))
    return item_id, code


def village(jwt_keys, person="village-clerk"):
    return jwt_keys.bearer(Role.UNIT, VILLAGE[1], unit_id=VILLAGE[0], subject=person)


def county_inspector(jwt_keys, office="431024-dcs", person="inspector-li"):
    return jwt_keys.bearer(Role.INSPECTOR, "431024", office_id=office, subject=f"{office}:{person}")


async def test_a_scan_shows_the_item_the_negative_list_and_the_units_standing(service, jwt_keys, pool):
    client, plan = service
    _, code = await coded_item(plan, pool)
    body = await graphql(client, VERIFY, {"code": code}, headers=village(jwt_keys))
    result = body["data"]["verifyCode"]
    assert result["__typename"] == "CodeValid"
    assert result["item"]["basis"] == "群众反映村道垃圾清运不及时"
    assert result["item"]["inspectors"] == [{"name": "李四"}]
    assert [rule["code"] for rule in result["negativeList"]] == ["N04", "N05"]
    county = next(s for s in result["standing"] if s["scope"] == "LEVEL" and s["level"] == "county")
    assert county == {"scope": "LEVEL", "level": "county", "used": 0, "allowed": 2, "applies": True, "full": False}
    assert len(result["standing"]) == 5


async def test_check_in_counts_the_visit_and_the_next_scan_shows_the_item_cap_reached(service, jwt_keys, pool):
    client, plan = service
    _, code = await coded_item(plan, pool)
    body = await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys))
    assert body["data"]["checkIn"]["__typename"] == "Visit"
    assert body["data"]["checkIn"]["counted"] is True

    again = await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys))
    assert again["data"]["checkIn"] == {"__typename": "CapReached", "exhausted": [{"scope": "ITEM"}]}
    scan = await graphql(client, VERIFY, {"code": code}, headers=village(jwt_keys))
    assert scan["data"]["verifyCode"]["__typename"] == "CapReached"
    assert await pool.fetchval("SELECT count(*) FROM visits") == 1


async def test_a_retried_check_in_with_the_same_request_id_counts_once(service, jwt_keys, pool):
    client, plan = service
    _, code = await coded_item(plan, pool)
    first, second = await asyncio.gather(
        *(graphql(client, CHECK_IN, {"code": code, "requestId": "r-1"}, headers=village(jwt_keys)) for _ in range(2))
    )
    assert first["data"]["checkIn"]["id"] == second["data"]["checkIn"]["id"]
    assert await pool.fetchval("SELECT count(*) FROM visits") == 1


async def test_another_person_of_the_unit_reusing_a_request_id_checks_in_for_themselves(service, jwt_keys, pool):
    """A request id is its caller's own: two clerks of one village whose clients name requests alike each admit
    their own visit; neither is handed the other's."""
    client, plan = service
    codes = [(await coded_item(plan, pool))[1] for _ in range(2)]
    first = await graphql(client, CHECK_IN, {"code": codes[0], "requestId": "r-1"}, headers=village(jwt_keys))
    second = await graphql(
        client, CHECK_IN, {"code": codes[1], "requestId": "r-1"}, headers=village(jwt_keys, "village-head")
    )
    assert second["data"]["checkIn"]["__typename"] == "Visit"
    assert second["data"]["checkIn"]["id"] != first["data"]["checkIn"]["id"]
    assert await pool.fetchval("SELECT count(*) FROM visits") == 2


async def test_a_forged_code_is_typed_and_shows_the_negative_list(service, jwt_keys):
    client, _ = service
    body = await graphql(client, VERIFY, {"code": "x" * 122}, headers=village(jwt_keys))
    assert body["data"]["verifyCode"]["__typename"] == "CodeForged"
    assert body["data"]["verifyCode"]["negativeList"]


async def test_a_revoked_code_is_refused_at_the_gate(service, jwt_keys, pool):
    client, plan = service
    item_id, code = await coded_item(plan, pool)
    await plan.publish("plan.item.revoked", {"itemId": item_id, "codeNumber": "", "reason": "计划调整"}, "431024")
    await until(lambda: pool.fetchval("SELECT true FROM revocations WHERE item_id = $1::uuid", item_id))
    body = await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys))
    assert body["data"]["checkIn"]["__typename"] == "CodeRevoked"


async def test_only_a_unit_scans_and_checks_in(service, jwt_keys, pool):
    client, plan = service
    _, code = await coded_item(plan, pool)
    body = await graphql(client, CHECK_IN, {"code": code}, headers=county_inspector(jwt_keys))
    assert body["data"]["checkIn"]["__typename"] == "NotAllowed"
    other_unit = jwt_keys.bearer(Role.UNIT, VILLAGE[1], unit_id="not-registered")
    body = await graphql(client, VERIFY, {"code": code}, headers=other_unit)
    assert body["data"]["verifyCode"]["__typename"] == "NotAllowed"


async def test_a_finding_is_recorded_by_the_inspecting_office_and_published_for_rectification(
    service, jwt_keys, pool, nats_client
):
    client, plan = service
    item_id, code = await coded_item(plan, pool)
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    finding = {
        "visitId": visit["id"],
        "severity": "HIGH",
        "responsibleUnitId": TOWN[0],
        "description": "垃圾清运点长期未清理",
        "evidence": ["photo:2026-03-10-01"],
        "proposedDeadline": "2026-04-10",
    }

    refused = await graphql(client, FINDING, {"input": finding}, headers=county_inspector(jwt_keys, "431024-yjj"))
    assert refused["data"]["recordFinding"]["__typename"] == "NotAllowed"
    body = await graphql(client, FINDING, {"input": finding}, headers=county_inspector(jwt_keys))
    recorded = body["data"]["recordFinding"]
    assert recorded["__typename"] == "Finding"

    subject = Event(type="inspection.finding.recorded", region=TOWN[1], data={}).nats_subject
    js = nats_client.jetstream()

    async def published():
        try:
            message = await js.get_last_msg("WURAO", subject)
        except Exception:
            return None
        data = json.loads(message.data)["data"]
        return data if data["findingId"] == recorded["id"] else None

    data = await until(published)
    assert data["itemId"] == item_id
    assert data["officeId"] == "431024-dcs"
    assert data["unitRegion"] == TOWN[1]
    assert data["severity"] == "high"
    assert data["proposedDeadline"] == "2026-04-10"


async def test_a_visit_shows_only_the_findings_the_caller_may_read(service, jwt_keys, pool):
    """A finding on the village's visit may make the town responsible: the village sees its visit, not that."""
    client, plan = service
    _, code = await coded_item(plan, pool)
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    for responsible in (TOWN[0], VILLAGE[0]):
        finding = {
            "visitId": visit["id"],
            "severity": "LOW",
            "responsibleUnitId": responsible,
            "description": f"问题 {responsible}",
            "proposedDeadline": "2026-04-10",
        }
        body = await graphql(client, FINDING, {"input": finding}, headers=county_inspector(jwt_keys))
        assert body["data"]["recordFinding"]["__typename"] == "Finding"
    read = "query($id: ID!) { visit(id: $id) { findings { responsibleUnitId } } }"

    as_village = await graphql(client, read, {"id": visit["id"]}, headers=village(jwt_keys))
    as_inspector = await graphql(client, read, {"id": visit["id"]}, headers=county_inspector(jwt_keys))

    assert [f["responsibleUnitId"] for f in as_village["data"]["visit"]["findings"]] == [VILLAGE[0]]
    assert sorted(f["responsibleUnitId"] for f in as_inspector["data"]["visit"]["findings"]) == sorted(
        [VILLAGE[0], TOWN[0]]
    )


async def test_a_finding_with_a_deadline_in_the_past_is_invalid_input(service, jwt_keys, pool):
    client, plan = service
    _, code = await coded_item(plan, pool)
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    finding = {
        "visitId": visit["id"],
        "severity": "LOW",
        "responsibleUnitId": VILLAGE[0],
        "description": "x",
        "proposedDeadline": "2026-01-01",
    }
    body = await graphql(client, FINDING, {"input": finding}, headers=county_inspector(jwt_keys))
    assert body["data"]["recordFinding"]["__typename"] == "InvalidInput"
    assert body["data"]["recordFinding"]["field"] == "proposedDeadline"


async def test_completing_a_visit_twice_is_a_conflict(service, jwt_keys, pool):
    client, plan = service
    _, code = await coded_item(plan, pool)
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    complete = """mutation($id: ID!) { completeVisit(visitId: $id, summary: "清运已到位") { __typename
      ... on Visit { status summary } } }"""
    body = await graphql(client, complete, {"id": visit["id"]}, headers=county_inspector(jwt_keys))
    assert body["data"]["completeVisit"] == {"__typename": "Visit", "status": "COMPLETED", "summary": "清运已到位"}
    body = await graphql(client, complete, {"id": visit["id"]}, headers=county_inspector(jwt_keys))
    assert body["data"]["completeVisit"]["__typename"] == "Conflict"


async def test_a_complaint_about_a_county_office_goes_to_the_city_above_it(service, jwt_keys, pool, chenzhou_office):
    client, plan = service
    await plan.publish("plan.office.registered", chenzhou_office, region="4310")
    await until(lambda: pool.fetchval("SELECT true FROM offices WHERE id = '4310-dcs'"))
    _, code = await coded_item(plan, pool)
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    file = """mutation($input: ComplaintInput!) { fileComplaint(input: $input) { __typename
      ... on Complaint { id routedToLevel routedToRegion routedToOfficeId } ... on InvalidInput { field } } }"""
    complaint = {
        "kind": "NEGATIVE_LIST_BREACH",
        "description": "要求村里安排专人陪同",
        "place": "村部",
        "visitId": visit["id"],
        "negativeListEntry": "N04",
    }
    body = await graphql(client, file, {"input": complaint}, headers=village(jwt_keys))
    assert body["data"]["fileComplaint"] | {"id": None} == {
        "__typename": "Complaint",
        "id": None,
        "routedToLevel": "city",
        "routedToRegion": "4310",
        "routedToOfficeId": "4310-dcs",
    }
    seen_by = {
        "city": jwt_keys.bearer(Role.CITY_OFFICE, "4310", office_id="4310-dcs"),
        "county": jwt_keys.bearer(Role.COUNTY_OFFICE, "431024", office_id="431024-dcs"),
    }
    query = "{ complaints { id } }"
    city = await graphql(client, query, headers=seen_by["city"])
    county = await graphql(client, query, headers=seen_by["county"])
    assert [c["id"] for c in city["data"]["complaints"]] == [body["data"]["fileComplaint"]["id"]]
    assert county["data"]["complaints"] == [], "the office complained about does not see the complaint"

    complaint["negativeListEntry"] = "N99"
    body = await graphql(client, file, {"input": complaint}, headers=village(jwt_keys))
    assert body["data"]["fileComplaint"] == {"__typename": "InvalidInput", "field": "negativeListEntry"}


async def test_a_complaint_naming_an_office_inspection_does_not_know_is_refused_and_nothing_is_filed(
    service, jwt_keys, pool
):
    """What a unit names is stored and published as the office complained about: a megabyte of it once made an
    event NATS refused, and the outbox behind it stalled for every later event."""
    client, plan = service
    await coded_item(plan, pool)  # the unit and the item's office, 431024-dcs, are known
    file = """mutation($input: ComplaintInput!) { fileComplaint(input: $input) { __typename
      ... on Complaint { officeId } ... on InvalidInput { field reason } } }"""
    complaint = {"kind": "OTHER", "description": "要求填报表格", "place": "村部"}
    for office_id in ("4399-none", "x" * 200_000):
        body = await graphql(client, file, {"input": {**complaint, "officeId": office_id}}, headers=village(jwt_keys))
        assert body["data"]["fileComplaint"] == {
            "__typename": "InvalidInput",
            "field": "officeId",
            "reason": "no such office",
        }
    assert await pool.fetchval("SELECT count(*) FROM complaints") == 0

    known = {**complaint, "officeId": "431024-dcs"}
    body = await graphql(client, file, {"input": known}, headers=village(jwt_keys))
    assert body["data"]["fileComplaint"] == {"__typename": "Complaint", "officeId": "431024-dcs"}
    assert await pool.fetchval("SELECT count(*) FROM complaints") == 1


async def test_a_complaint_naming_an_item_in_capitals_is_filed_and_published_in_the_spelling_of_every_service(
    service, jwt_keys, pool
):
    """An upper-case UUID is a UUID: it found the item, then went out in the event as the unit spelt it."""
    client, plan = service
    item_id, _ = await coded_item(plan, pool)
    file = """mutation($input: ComplaintInput!) { fileComplaint(input: $input) { __typename
      ... on Complaint { itemId officeId } } }"""
    complaint = {"kind": "OTHER", "description": "要求填报表格", "place": "村部", "itemId": item_id.upper()}
    body = await graphql(client, file, {"input": complaint}, headers=village(jwt_keys))
    assert body["data"]["fileComplaint"] == {"__typename": "Complaint", "itemId": item_id, "officeId": "431024-dcs"}


async def test_ratings_are_recorded_without_who_rated_and_nothing_shows_while_the_year_is_open(
    service, jwt_keys, pool, nats_client
):
    client, plan = service
    rate = "mutation($id: ID!, $score: Int!) { rateVisit(visitId: $id, score: $score) { __typename } }"
    summary = """{ ratingSummary(officeId: "431024-dcs", year: 2026) { __typename
      ... on RatingSummary { closed ratings average } } }"""
    office = jwt_keys.bearer(Role.COUNTY_OFFICE, "431024", office_id="431024-dcs")
    visits = []
    for _ in range(2):
        _, code = await coded_item(plan, pool)
        body = await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys))
        visits.append(body["data"]["checkIn"]["id"])
    for visit_id, score in zip(visits, (4, 5), strict=True):
        body = await graphql(client, rate, {"id": visit_id, "score": score}, headers=village(jwt_keys))
        assert body["data"]["rateVisit"]["__typename"] == "RatingRecorded"
    again = await graphql(client, rate, {"id": visits[0], "score": 1}, headers=village(jwt_keys))
    assert again["data"]["rateVisit"]["__typename"] == "Conflict"

    body = await graphql(client, summary, headers=office)
    assert body["data"]["ratingSummary"] == {
        "__typename": "RatingSummary",
        "closed": False,
        "ratings": None,
        "average": None,
    }
    columns = {
        row["column_name"]
        for row in await pool.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = 'ratings'")
    }
    assert columns == {"office_id", "year", "score"}, "nothing in a rating may point back to the visit or unit"


async def test_a_refusal_is_recorded_with_the_codes_verdict(service, jwt_keys, pool):
    client, plan = service
    _, code = await coded_item(plan, pool)
    refuse = """mutation($code: String) { refuseInspection(reason: NEGATIVE_LIST_BREACH, code: $code,
      negativeListEntry: "N05", note: "要求专门汇报") { __typename ... on Refusal { verdict reason itemId } } }"""
    body = await graphql(client, refuse, {"code": code}, headers=village(jwt_keys))
    assert body["data"]["refuseInspection"]["verdict"] == "valid"
    assert body["data"]["refuseInspection"]["reason"] == "NEGATIVE_LIST_BREACH"
    assert await pool.fetchval("SELECT count(*) FROM refusals") == 1


async def test_a_replica_with_postgresql_redis_and_nats_in_reach_is_ready(service):
    """That Redis is among the checks: test_a_replica_whose_redis_is_unreachable_is_not_ready."""
    client, _ = service
    response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"ready": True})


async def test_a_replica_whose_redis_is_unreachable_is_not_ready(service_env):
    env = service_env(bus_user="inspection", REDIS_URL="redis://127.0.0.1:1/0")
    app = create_app(settings_from(env), InspectionSettings.from_env(Config(environ=env)))
    async with serving(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert any(problem.startswith("redis") for problem in response.json()["problems"])


def test_the_service_refuses_to_start_without_redis_url(service_env):
    env = service_env(bus_user="inspection")
    del env["REDIS_URL"]
    with pytest.raises(SettingsError, match="REDIS_URL"):
        InspectionSettings.from_env(Config(environ=env))


@pytest.fixture
async def redis_user(servers):
    """A user of its own on the test Redis, with a password (its default user has none): (name, password)."""
    name, password = f"secrets-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(24)
    async with Redis.from_url(servers.redis.url) as admin:
        await admin.acl_setuser(
            name, enabled=True, passwords=[f"+{password}"], keys=["*"], channels=["*"], commands=["+@all"]
        )
        yield name, password
        await admin.acl_deluser(name)


@pytest.mark.parametrize("redis_takes_it", [True, False], ids=["Redis takes its password", "Redis refuses it"])
async def test_no_password_nor_token_in_any_log_record_or_answer(
    service_env, servers, nats_client, pool, redis_user, jwt_keys, caplog, redis_takes_it
):
    """Every record of every logger at every level (an operator's logging configuration may show them all) and
    every answer, while the service starts with passwords in DATABASE_URL, REDIS_URL and NATS_PASSWORD, scans and
    checks in with good and bad tokens, and meets a Redis that refuses its password. The test PostgreSQL trusts
    loopback: the password in DATABASE_URL is never asked for, but the service holds it all the same."""
    user, password = redis_user
    env = service_env(bus_user="inspection")
    db_password = secrets.token_urlsafe(24)
    env["DATABASE_URL"] = env["DATABASE_URL"].replace("://postgres@", f"://postgres:{db_password}@")
    assert db_password in env["DATABASE_URL"]
    redis_password = password if redis_takes_it else secrets.token_urlsafe(24)
    env["REDIS_URL"] = f"redis://{user}:{redis_password}@127.0.0.1:{servers.redis.port}/0"
    settings, inspection = settings_from(env), InspectionSettings.from_env(Config(environ=env))
    good = village(jwt_keys)["authorization"].removeprefix("Bearer ")
    tokens = {
        "good token": good,
        "tampered token": good[:-6] + ("AAAAAA" if not good.endswith("AAAAAA") else "BBBBBB"),
        "expired token": jwt_keys.token(Role.UNIT, VILLAGE[1], unit_id=VILLAGE[0], ttl_seconds=-60),
    }
    hidden = {
        "DATABASE_URL's password": db_password,
        "REDIS_URL's password": redis_password,
        "NATS_PASSWORD": env["NATS_PASSWORD"],
        **tokens,
        **{f"{name}'s signature": token.rsplit(".", 1)[1] for name, token in tokens.items()},
    }

    caplog.set_level(logging.DEBUG)
    answers = []
    async with serving(create_app(settings, inspection, clock=lambda: NOW)) as client:
        plan = Plan(nats_client)
        await plan.basics()
        await until(lambda: pool.fetchval("SELECT count(*) = 2 FROM units"))
        _, code = await coded_item(plan, pool)
        for token in tokens.values():
            for query in (VERIFY, CHECK_IN):
                body = {"query": query, "variables": {"code": code}}
                answers.append(await client.post("/graphql", json=body, headers={"authorization": f"Bearer {token}"}))
        answers += [await client.get("/readyz"), await client.get("/healthz")]

    scan = answers[0].json()["data"]["verifyCode"]
    assert scan["__typename"] == ("CodeValid" if redis_takes_it else "Unavailable"), scan
    if not redis_takes_it:
        assert "Redis refused AUTH" in caplog.text, "the refusal is logged"
    assert caplog.records, "every record is captured"
    shown = "\n".join(
        [caplog.text, repr(settings), repr(inspection)]
        + [f"{answer.status_code} {answer.headers} {answer.text}" for answer in answers]
    )
    assert not [name for name, secret in hidden.items() if secret in shown]


async def test_visits_resolve_as_federation_entities_only_for_those_who_may_read_them(service, jwt_keys, pool):
    client, plan = service
    _, code = await coded_item(plan, pool)
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Visit { id unitId } } }"""
    reps = {"r": [{"__typename": "Visit", "id": visit["id"]}]}
    mine = await graphql(client, query, reps, headers=village(jwt_keys))
    other = await graphql(client, query, reps, headers=jwt_keys.bearer(Role.CITY_OFFICE, "4301", office_id="4301-dcs"))
    assert mine["data"]["_entities"] == [{"id": visit["id"], "unitId": VILLAGE[0]}]
    assert other["data"]["_entities"] == [None]


async def test_a_malformed_entity_id_resolves_to_null_without_spoiling_the_rest_of_the_batch(service, jwt_keys, pool):
    client, plan = service
    _, code = await coded_item(plan, pool)
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Visit { id } ... on Finding { id } } }"""
    reps = {
        "r": [
            {"__typename": "Visit", "id": "nope"},
            {"__typename": "Visit", "id": visit["id"]},
            {"__typename": "Finding", "id": "nope"},
            # spellings Python's uuid takes and PostgreSQL's uuid parameter does not (once an internal error)
            {"__typename": "Visit", "id": "{" + visit["id"] + "}"},
            {"__typename": "Visit", "id": "urn:uuid:" + visit["id"]},
            {"__typename": "Finding", "id": "0000000_000000000000000000000000"},
        ]
    }
    body = await graphql(client, query, reps, headers=village(jwt_keys))
    assert "errors" not in body, body
    assert body["data"]["_entities"] == [None, {"id": visit["id"]}, None, None, None, None]


async def test_an_inspector_in_a_busy_region_lists_its_own_offices_visits_and_pages_through_them(
    service, jwt_keys, pool
):
    """Filtering after the limit used to leave an inspector's page empty when other offices were busier."""
    client, plan = service
    ours = []
    for _ in range(2):  # the village's county-level cap this year
        _, code = await coded_item(plan, pool)
        ours.append((await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"])
    await pool.execute(
        """INSERT INTO visits (id, item_id, code_number, office_id, office_level, office_region, unit_id, unit_region,
             inspected_at, registered_at, counted, registration, late, period_year, registered_by)
           SELECT gen_random_uuid(), item_id, code_number, '431024-yjj', office_level, office_region, unit_id,
             unit_region, inspected_at + interval '1 day', registered_at, false, registration, false, period_year, 'x'
           FROM visits v, generate_series(1, 40) WHERE v.id = $1::uuid""",
        ours[0]["id"],
    )
    page = "query($after: ID) { visits(first: 1, after: $after) { id } }"
    headers = county_inspector(jwt_keys)

    first = (await graphql(client, page, headers=headers))["data"]["visits"]
    second = (await graphql(client, page, {"after": first[-1]["id"]}, headers=headers))["data"]["visits"]

    assert len(first) == 1, "a full page, though 40 newer visits of another office lie in the region"
    assert {v["id"] for v in first + second} == {v["id"] for v in ours}


async def test_a_retried_finding_returns_the_first_and_opens_nothing_twice(service, jwt_keys, pool):
    """A phone on a weak connection retries recordFinding after a lost answer, even while the first still runs."""
    client, plan = service
    _, code = await coded_item(plan, pool)
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    record = """mutation($input: FindingInput!, $requestId: String) {
      recordFinding(input: $input, requestId: $requestId) { __typename ... on Finding { id } } }"""
    finding = {
        "visitId": visit["id"],
        "severity": "MEDIUM",
        "responsibleUnitId": VILLAGE[0],
        "description": "积水未排",
        "proposedDeadline": "2026-04-10",
    }
    variables = {"input": finding, "requestId": "phone-7f3a"}

    answers = await asyncio.gather(
        *(graphql(client, record, variables, headers=county_inspector(jwt_keys)) for _ in range(5))
    )
    other = await graphql(client, record, {**variables, "requestId": "phone-7f3b"}, headers=county_inspector(jwt_keys))

    ids = {answer["data"]["recordFinding"]["id"] for answer in answers}
    assert len(ids) == 1
    assert other["data"]["recordFinding"]["id"] not in ids, "another request id is another finding"
    assert await pool.fetchval("SELECT count(*) FROM findings WHERE visit_id = $1::uuid", visit["id"]) == 2


async def test_another_inspector_of_the_office_reusing_a_request_id_records_their_own_finding(service, jwt_keys, pool):
    """An office's inspectors do not share request ids: the second inspector is neither handed the first one's
    finding nor refused."""
    client, plan = service
    _, code = await coded_item(plan, pool)
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    record = """mutation($input: FindingInput!, $requestId: String) {
      recordFinding(input: $input, requestId: $requestId) { __typename ... on Finding { id description } } }"""
    finding = {
        "visitId": visit["id"],
        "severity": "LOW",
        "responsibleUnitId": VILLAGE[0],
        "proposedDeadline": "2026-04-10",
    }

    answers = [
        await graphql(
            client,
            record,
            {"input": {**finding, "description": description}, "requestId": "f-1"},
            headers=county_inspector(jwt_keys, person=person),
        )
        for person, description in (("li", "积水未排"), ("wang", "垃圾未清"))
    ]

    assert [answer["data"]["recordFinding"]["description"] for answer in answers] == ["积水未排", "垃圾未清"]
    assert await pool.fetchval("SELECT count(*) FROM findings WHERE visit_id = $1::uuid", visit["id"]) == 2


async def test_check_ins_and_findings_named_when_request_ids_were_the_units_or_offices_are_found_by_their_retries(
    service, jwt_keys, pool
):
    """Keys stored before migration 013 (the unit's or office's, U+001F, the client's id) are rescoped to who made
    the request: a retry across the upgrade still counts once, records one capped refusal, one finding."""
    client, plan = service
    _, code = await coded_item(plan, pool)
    record = """mutation($input: FindingInput!, $requestId: String) {
      recordFinding(input: $input, requestId: $requestId) { __typename ... on Finding { id } } }"""

    async def requests(visit_id: str | None = None) -> list:
        visit = await graphql(client, CHECK_IN, {"code": code, "requestId": "r-1"}, headers=village(jwt_keys))
        capped = await graphql(client, CHECK_IN, {"code": code, "requestId": "r-2"}, headers=village(jwt_keys))
        visit_id = visit_id or visit["data"]["checkIn"]["id"]
        finding = {"visitId": visit_id, "severity": "LOW", "responsibleUnitId": VILLAGE[0]}
        finding |= {"description": "积水未排", "proposedDeadline": "2026-04-10"}
        found = await graphql(
            client, record, {"input": finding, "requestId": "f-1"}, headers=county_inspector(jwt_keys)
        )
        return [visit["data"]["checkIn"], capped["data"]["checkIn"]["__typename"], found["data"]["recordFinding"]]

    first = await requests()
    assert first[1] == "CapReached"
    unit, office = f"unit:{VILLAGE[0]}\x1f", "office:431024-dcs\x1f"
    await pool.execute("UPDATE visits SET request_id = $1", f"{unit}r-1")
    await pool.execute("UPDATE refusals SET request_id = $1", f"check_in\x1f{unit}r-2")
    await pool.execute("UPDATE findings SET request_id = $1", f"{office}f-1")
    await apply_again(pool, migration_components("inspection", MIGRATIONS), "inspection", 13)

    assert await requests(first[0]["id"]) == first
    counts = "SELECT (SELECT count(*) FROM visits), (SELECT count(*) FROM refusals), (SELECT count(*) FROM findings)"
    assert list((await pool.fetchrow(counts)).values()) == [1, 1, 1]


async def test_a_retried_refusal_returns_the_first_and_records_nothing_twice(service, jwt_keys, pool):
    """The unit's phone retries refuseInspection after a lost answer, even while the first still runs."""
    client, plan = service
    _, code = await coded_item(plan, pool)
    refuse = """mutation($code: String, $requestId: String) { refuseInspection(reason: NEGATIVE_LIST_BREACH,
      code: $code, negativeListEntry: "N05", requestId: $requestId) { __typename ... on Refusal { id } } }"""
    variables = {"code": code, "requestId": "phone-r1"}

    answers = await asyncio.gather(*(graphql(client, refuse, variables, headers=village(jwt_keys)) for _ in range(5)))
    other = await graphql(client, refuse, {**variables, "requestId": "phone-r2"}, headers=village(jwt_keys))

    ids = {answer["data"]["refuseInspection"]["id"] for answer in answers}
    assert len(ids) == 1
    assert other["data"]["refuseInspection"]["id"] not in ids, "another request id is another refusal"
    assert await pool.fetchval("SELECT count(*) FROM refusals") == 2


# DESIGN §2: "No code, a forged/expired/revoked code, a unit outside the item's scope, or a cap already reached: the
# unit may refuse, and the refusal is recorded." What the code verified as is recorded beside the unit's reason.
REFUSE = """mutation($reason: RefusalReason!, $code: String, $requestId: String) {
  refuseInspection(reason: $reason, code: $code, requestId: $requestId) { __typename
    ... on Refusal { id unitId unitRegion origin reason itemId officeId verdict }
    ... on InvalidInput { field } ... on NotAllowed { why: reason } } }"""


def signed_code(key: Ed25519PrivateKey, key_id: int, item_id: str | None = None) -> str:
    """A well-formed code for the item (a made-up one by default), signed by `key` as key `key_id`."""
    claims = codes.CodeClaims(
        key_id=key_id,
        item_id=uuid.UUID(item_id) if item_id else uuid.uuid4(),
        not_before=datetime(2026, 1, 1, tzinfo=CHINA),
        expires=datetime(2027, 1, 1, tzinfo=CHINA),
    )
    return codes.sign(key, key_id, claims)


# Each shows the village a code (or none): the item the refusal must name, and the code.
async def no_code_shown(plan, pool, client, jwt_keys) -> tuple[str | None, str | None]:
    return None, None


async def code_forged_for_a_real_item(plan, pool, client, jwt_keys):
    item_id, _ = await coded_item(plan, pool)
    # Signed by a key plan never published, under plan's key id: the forger's claim to the item is not believed.
    return None, signed_code(Ed25519PrivateKey.generate(), plan.key_id, item_id)


async def code_of_an_item_not_yet_known(plan, pool, client, jwt_keys):
    await coded_item(plan, pool)  # plan's key is known; the code's item has not reached inspection
    return None, signed_code(plan.key, plan.key_id)


async def code_revoked(plan, pool, client, jwt_keys):
    item_id, code = await coded_item(plan, pool)
    await plan.publish("plan.item.revoked", {"itemId": item_id, "codeNumber": "", "reason": "计划调整"}, "431024")
    await until(lambda: pool.fetchval("SELECT true FROM revocations WHERE item_id = $1::uuid", item_id))
    return item_id, code


async def code_expired(plan, pool, client, jwt_keys):
    return await coded_item(plan, pool, window=("2026-01-01", "2026-03-01"))


async def code_not_yet_valid(plan, pool, client, jwt_keys):
    return await coded_item(plan, pool, window=("2026-04-01", "2026-12-31"))


async def code_for_other_kinds_of_unit(plan, pool, client, jwt_keys):
    return await coded_item(plan, pool, unit_kinds=("school",))


async def code_whose_item_cap_is_reached(plan, pool, client, jwt_keys):
    item_id, code = await coded_item(plan, pool)
    admitted = await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys))
    assert admitted["data"]["checkIn"]["__typename"] == "Visit"
    return item_id, code


async def code_valid(plan, pool, client, jwt_keys):
    return await coded_item(plan, pool)


async def refusal_events(nats_client, pool) -> list[bytes]:
    """Every inspection.refusal.recorded event on this test's stream, once the relay has published the outbox."""
    await until(lambda: pool.fetchval("SELECT count(*) = 0 FROM outbox"))
    js = nats_client.jetstream()
    state = (await js.stream_info("WURAO")).state
    messages = [await js.get_msg("WURAO", seq) for seq in range(state.first_seq, state.last_seq + 1)]
    return [m.data for m in messages if m.subject.startswith("wurao.inspection.refusal.recorded.")]


def refusal_readers(jwt_keys) -> dict[str, dict[str, str]]:
    """Tokens of those who might list the village's refusals: the unit, the offices and observers over it and over
    other regions, the inspectors of the item's office and of another, and another unit of the county."""
    return {
        "the village itself": village(jwt_keys),
        "Jiahe county office": jwt_keys.bearer(Role.COUNTY_OFFICE, "431024", office_id="431024-dcs"),
        "Chenzhou city office": jwt_keys.bearer(Role.CITY_OFFICE, "4310", office_id="4310-dcs"),
        "province office": jwt_keys.bearer(Role.PROVINCE_OFFICE, "43", office_id="43-dcs"),
        "Chenzhou observer": jwt_keys.bearer(Role.OBSERVER, "4310"),
        "the item's office's inspector": county_inspector(jwt_keys),
        "another office's inspector": county_inspector(jwt_keys, "431024-yjj"),
        "the town (another unit)": jwt_keys.bearer(Role.UNIT, TOWN[1], unit_id=TOWN[0]),
        "Wangcheng district office": jwt_keys.bearer(Role.COUNTY_OFFICE, "430112", office_id="430112-dcs"),
        "Changsha observer": jwt_keys.bearer(Role.OBSERVER, "4301"),
    }


async def readers_of(client, refusal_id: str, readers: dict[str, dict[str, str]]) -> set[str]:
    found = set()
    for name, headers in readers.items():
        body = await graphql(client, "{ refusals { id } }", headers=headers)
        assert "errors" not in body, body
        if refusal_id in [row["id"] for row in body["data"]["refusals"]]:
            found.add(name)
    return found


@pytest.mark.parametrize(
    ("shown", "reason", "verdict"),
    [
        pytest.param(no_code_shown, "NO_CODE", None, id="no code"),
        pytest.param(code_forged_for_a_real_item, "CODE_INVALID", "forged", id="forged"),
        pytest.param(code_of_an_item_not_yet_known, "CODE_INVALID", "unavailable", id="item not yet known"),
        pytest.param(code_revoked, "CODE_INVALID", "revoked", id="revoked"),
        pytest.param(code_expired, "CODE_INVALID", "expired", id="expired"),
        pytest.param(code_not_yet_valid, "CODE_INVALID", "not_yet_valid", id="not yet valid"),
        pytest.param(code_for_other_kinds_of_unit, "OUT_OF_SCOPE", "out_of_scope", id="out of scope"),
        pytest.param(code_whose_item_cap_is_reached, "CAP_REACHED", "cap_reached", id="cap reached"),
        pytest.param(code_valid, "CODE_INVALID", "valid", id="valid, refused anyway"),
    ],
)
async def test_a_unit_refuses_whatever_the_code_verified_as_once_published_and_read_only_within_its_region(
    service, jwt_keys, pool, nats_client, pytestconfig, shown, reason, verdict
):
    """The refusal keeps the unit's reason and what the code verified as (a valid code refused anyway says so); it
    names the item only when the code is genuine and its item known. Retries return it, its event is published
    once under the unit's region and keeps the contract, and it is read by the unit, the offices and observers
    over it, and the inspectors of the item's office, never by another unit, office or region."""
    client, plan = service
    item_id, code = await shown(plan, pool, client, jwt_keys)
    variables = {"reason": reason, "code": code, "requestId": "phone-r1"}

    first = (await graphql(client, REFUSE, variables, headers=village(jwt_keys)))["data"]["refuseInspection"]
    retries = await asyncio.gather(*(graphql(client, REFUSE, variables, headers=village(jwt_keys)) for _ in range(3)))

    office_id = "431024-dcs" if item_id else None
    assert first == {
        "__typename": "Refusal",
        "id": first.get("id"),
        "unitId": VILLAGE[0],
        "unitRegion": VILLAGE[1],
        "origin": "UNIT",
        "reason": reason,
        "itemId": item_id,
        "officeId": office_id,
        "verdict": verdict,
    }
    assert [retry["data"]["refuseInspection"] for retry in retries] == [first] * 3, "a retry returns the first"
    assert await pool.fetchval("SELECT count(*) FROM refusals") == 1, "recorded once"

    events = await refusal_events(nats_client, pool)
    assert [json.loads(raw)["region"] for raw in events] == [VILLAGE[1]], "published once, under the unit's region"
    assert json.loads(events[0])["data"] == {
        "refusalId": first["id"],
        "unitId": VILLAGE[0],
        "unitRegion": VILLAGE[1],
        "reason": reason.lower(),
        "itemId": item_id,
        "officeId": office_id,
        "verdict": verdict,
        "negativeListEntry": None,
        "note": "",
        "refusedAt": NOW.isoformat(),
    }
    contract = Conformance(pytestconfig.rootpath / "docs" / "events" / "schemas")
    contract.check(events[0])
    assert (contract.checked, contract.problems) == ({"inspection.refusal.recorded": 1}, {})

    readers = refusal_readers(jwt_keys)
    expected = {"the village itself", "Jiahe county office", "Chenzhou city office", "province office"}
    expected |= {"Chenzhou observer"} | ({"the item's office's inspector"} if item_id else set())
    assert await readers_of(client, first["id"], readers) == expected


async def test_an_unreadable_code_is_recorded_as_forged_naming_no_item_never_as_an_error(
    service, jwt_keys, pool, nats_client
):
    """Whatever the unit's phone read from a QR code (another app's, a damaged one, a code signed by a key plan never
    published), the refusal is recorded with verdict forged and no item; an empty code is no code to check."""
    client, plan = service
    await coded_item(plan, pool)
    unreadable = [
        "https://example.com/qr?id=1",
        "扫不出来的码",
        "x" * 122,
        "!" * 122,
        "A" * 10_000,
        signed_code(plan.key, 7),  # a key id plan never published
    ]
    for code in unreadable:
        body = await graphql(client, REFUSE, {"reason": "CODE_INVALID", "code": code}, headers=village(jwt_keys))
        assert "errors" not in body, (code, body)
        refusal = body["data"]["refuseInspection"]
        assert (refusal["verdict"], refusal["itemId"], refusal["officeId"]) == ("forged", None, None), code
    empty = await graphql(client, REFUSE, {"reason": "CODE_INVALID", "code": ""}, headers=village(jwt_keys))
    assert empty["data"]["refuseInspection"] == {"__typename": "InvalidInput", "field": "code"}
    assert await pool.fetchval("SELECT count(*) FROM refusals WHERE verdict = 'forged'") == len(unreadable)
    assert await pool.fetchval("SELECT count(*) FROM refusals") == len(unreadable)
    published = [json.loads(raw)["data"] for raw in await refusal_events(nats_client, pool)]
    assert [(event["verdict"], event["itemId"]) for event in published] == [("forged", None)] * len(unreadable)


async def test_only_the_unit_itself_refuses_and_a_reason_about_the_code_needs_the_code(
    service, jwt_keys, pool, nats_client
):
    """Nothing is recorded or published for an inspector, an office, an unregistered unit, or a refusal that
    blames a code it does not give."""
    client, plan = service
    _, code = await coded_item(plan, pool)
    for headers in (
        county_inspector(jwt_keys),
        jwt_keys.bearer(Role.COUNTY_OFFICE, "431024", office_id="431024-dcs"),
        jwt_keys.bearer(Role.UNIT, VILLAGE[1], unit_id="not-registered"),
    ):
        body = await graphql(client, REFUSE, {"reason": "CODE_INVALID", "code": code}, headers=headers)
        assert body["data"]["refuseInspection"]["__typename"] == "NotAllowed"
    for reason in ("CODE_INVALID", "CAP_REACHED", "OUT_OF_SCOPE"):
        body = await graphql(client, REFUSE, {"reason": reason}, headers=village(jwt_keys))
        assert body["data"]["refuseInspection"] == {"__typename": "InvalidInput", "field": "code"}
    assert await pool.fetchval("SELECT count(*) FROM refusals") == 0
    assert await refusal_events(nats_client, pool) == []


async def test_a_unit_outside_the_items_region_refuses_it_and_only_offices_over_the_unit_read_that(
    service, jwt_keys, pool
):
    """Jiahe county's inspectors show their code at a Wangcheng (Changsha) enterprise: the refusal names Jiahe's item
    and office, but lives in the unit's region. Wangcheng's office and the province read it; Jiahe's office and its
    inspectors, whose region the unit is outside, do not."""
    client, plan = service
    item_id, code = await coded_item(plan, pool)
    unit = ("430112101-qy", "430112101")
    await plan.publish(
        "plan.unit.registered", {"unitId": unit[0], "name": "望城企业", "kind": "enterprise", "region": unit[1]}
    )
    await until(lambda: pool.fetchval("SELECT true FROM units WHERE id = $1", unit[0]))
    enterprise = jwt_keys.bearer(Role.UNIT, unit[1], unit_id=unit[0])

    body = await graphql(client, REFUSE, {"reason": "OUT_OF_SCOPE", "code": code}, headers=enterprise)

    refusal = body["data"]["refuseInspection"]
    assert (refusal["verdict"], refusal["itemId"], refusal["officeId"], refusal["unitRegion"]) == (
        "out_of_scope",
        item_id,
        "431024-dcs",
        unit[1],
    )
    readers = refusal_readers(jwt_keys) | {"the enterprise itself": enterprise}
    assert await readers_of(client, refusal["id"], readers) == {
        "the enterprise itself",
        "Wangcheng district office",
        "province office",
        "Changsha observer",
    }


async def test_a_refusal_while_the_cap_counters_are_unreachable_still_names_the_item_and_its_office(
    service, service_env, jwt_keys, pool
):
    """Redis is out of reach of the replica the unit's phone talks to: the code is genuine, live and in scope, only
    the unit's standing against its caps cannot be read. The unit refuses a briefing demanded (N05); the refusal
    says the verdict was unavailable, and still names the item and the office that demanded it, so that office's
    inspectors, and figures by office, count it."""
    client, plan = service
    item_id, code = await coded_item(plan, pool)
    env = service_env(bus_user="inspection", REDIS_URL="redis://127.0.0.1:1/0")
    replica = create_app(settings_from(env), InspectionSettings.from_env(Config(environ=env)), clock=lambda: NOW)
    refuse = """mutation($code: String) { refuseInspection(reason: NEGATIVE_LIST_BREACH, code: $code,
      negativeListEntry: "N05") { __typename ... on Refusal { id verdict itemId officeId } } }"""
    async with serving(replica) as cut_off:
        scan = await graphql(cut_off, VERIFY, {"code": code}, headers=village(jwt_keys))
        assert scan["data"]["verifyCode"]["__typename"] == "Unavailable"
        refusal = (await graphql(cut_off, refuse, {"code": code}, headers=village(jwt_keys)))["data"][
            "refuseInspection"
        ]

    assert (refusal["verdict"], refusal["itemId"], refusal["officeId"]) == ("unavailable", item_id, "431024-dcs")
    listed = await graphql(client, "{ refusals { id } }", headers=county_inspector(jwt_keys))
    assert listed["data"]["refusals"] == [{"id": refusal["id"]}], "the item's office's inspectors read it"


async def test_a_blank_note_is_no_note_and_never_stops_a_refusal(service, jwt_keys, pool):
    """The note is optional: a clerk who left a space or a line break in it still records the refusal (with no
    note), and only a note too long is invalid input, told so."""
    client, _ = service
    refuse = """mutation($note: String!) { refuseInspection(reason: NO_CODE, note: $note) { __typename
      ... on Refusal { note } ... on InvalidInput { field reason } } }"""

    blank = await graphql(client, refuse, {"note": " \n "}, headers=village(jwt_keys))
    long = await graphql(client, refuse, {"note": "长" * 1001}, headers=village(jwt_keys))

    assert blank["data"]["refuseInspection"] == {"__typename": "Refusal", "note": ""}
    assert long["data"]["refuseInspection"] == {
        "__typename": "InvalidInput",
        "field": "note",
        "reason": "at most 1000 characters",
    }
    assert await pool.fetchval("SELECT count(*) FROM refusals") == 1


async def test_a_retried_complaint_returns_the_first_and_files_nothing_twice(service, jwt_keys, pool):
    """The unit's phone retries fileComplaint after a lost answer, even while the first still runs."""
    client, _ = service
    file = """mutation($input: ComplaintInput!, $requestId: String) {
      fileComplaint(input: $input, requestId: $requestId) { __typename ... on Complaint { id } } }"""
    complaint = {"kind": "MATERIALS_DEMANDED", "description": "要求重复报送台账", "place": "村部"}
    variables = {"input": complaint, "requestId": "phone-c1"}

    answers = await asyncio.gather(*(graphql(client, file, variables, headers=village(jwt_keys)) for _ in range(5)))
    other = await graphql(client, file, {**variables, "requestId": "phone-c2"}, headers=village(jwt_keys))

    ids = {answer["data"]["fileComplaint"]["id"] for answer in answers}
    assert len(ids) == 1
    assert other["data"]["fileComplaint"]["id"] not in ids, "another request id is another complaint"
    assert await pool.fetchval("SELECT count(*) FROM complaints") == 2


async def test_a_request_id_too_long_is_invalid_input_for_refusals_and_complaints(service, jwt_keys):
    client, _ = service
    long_id = "x" * 101
    refuse = """mutation($requestId: String) { refuseInspection(reason: NO_CODE, requestId: $requestId) {
      __typename ... on InvalidInput { field } } }"""
    file = """mutation($requestId: String) { fileComplaint(input: {kind: OTHER, description: "d", place: "p"},
      requestId: $requestId) { __typename ... on InvalidInput { field } } }"""
    refused = await graphql(client, refuse, {"requestId": long_id}, headers=village(jwt_keys))
    filed = await graphql(client, file, {"requestId": long_id}, headers=village(jwt_keys))
    assert refused["data"]["refuseInspection"] == {"__typename": "InvalidInput", "field": "requestId"}
    assert filed["data"]["fileComplaint"] == {"__typename": "InvalidInput", "field": "requestId"}


async def test_a_retried_rating_counts_once_and_is_told_it_was_recorded(service, jwt_keys, pool):
    """A retry after a lost answer is no second rating: it hears RatingRecorded; a new request is a conflict."""
    client, plan = service
    _, code = await coded_item(plan, pool)
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    rate = """mutation($id: ID!, $requestId: String) {
      rateVisit(visitId: $id, score: 4, requestId: $requestId) { __typename } }"""
    variables = {"id": visit["id"], "requestId": "phone-s1"}

    answers = await asyncio.gather(*(graphql(client, rate, variables, headers=village(jwt_keys)) for _ in range(5)))
    other = await graphql(client, rate, {**variables, "requestId": "phone-s2"}, headers=village(jwt_keys))

    assert {answer["data"]["rateVisit"]["__typename"] for answer in answers} == {"RatingRecorded"}
    assert other["data"]["rateVisit"]["__typename"] == "Conflict", "another request is a second rating"
    assert await pool.fetchval("SELECT count(*) FROM ratings") == 1


ITEM_VISITS = "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Item { id visits { id } } } }"


async def test_federated_items_each_get_the_visits_the_caller_may_read_from_one_query(
    service, jwt_keys, pool, database_url
):
    client, plan = service
    (first, first_code), (second, second_code) = [await coded_item(plan, pool) for _ in range(2)]
    town = jwt_keys.bearer(Role.UNIT, TOWN[1], unit_id=TOWN[0])
    village_visit = (await graphql(client, CHECK_IN, {"code": first_code}, headers=village(jwt_keys)))["data"]
    town_visit = (await graphql(client, CHECK_IN, {"code": second_code}, headers=town))["data"]
    reps = [{"__typename": "Item", "id": item} for item in (first, second, str(uuid.uuid4()))]

    county = await graphql(client, ITEM_VISITS, {"reps": reps}, headers=jwt_keys.bearer(Role.OBSERVER, "431024"))
    assert county["data"]["_entities"] == [
        {"id": first, "visits": [{"id": village_visit["checkIn"]["id"]}]},
        {"id": second, "visits": [{"id": town_visit["checkIn"]["id"]}]},
        {"id": reps[2]["id"], "visits": []},
    ]
    own = await graphql(client, ITEM_VISITS, {"reps": reps}, headers=village(jwt_keys))
    assert [entity["visits"] for entity in own["data"]["_entities"]] == [
        county["data"]["_entities"][0]["visits"],
        [],
        [],
    ]

    # The loader behind Item.visits: three items asked for at once are one SELECT on visits.
    one = await db.create_pool(database_url, min_size=1, max_size=1)
    try:
        async with one.acquire() as conn:
            sent: list[str] = []
            conn._con.add_query_logger(lambda record: sent.append(record.query))  # the pooled connection itself
        context = InspectionContext(
            caller=Caller("o", Role.OBSERVER, "431024"), deps=Deps(one, None, None), clock=lambda: NOW
        )
        loaded = await asyncio.gather(*(context.visits_of_item.load((rep["id"], 100)) for rep in reps))
    finally:
        await one.close()
    assert [[visit.id for visit in visits] for visits in loaded] == [
        [village_visit["checkIn"]["id"]],
        [town_visit["checkIn"]["id"]],
        [],
    ]
    assert sum("FROM visits" in query for query in sent) == 1


JOINT = """mutation($codes: [String!]!, $lead: ID!) { checkInJoint(codes: $codes, lead: $lead) { __typename
  ... on JointVisit { id counted officeIds lead { id name } inspectorsPresent { id }
                      visits { id countsTowardUnit registeredBy inspectorsPresent { name } jointVisit { id } } }
  ... on JointCheckInRefused { codes { position outcome { __typename } } } ... on InvalidInput { field } } }"""
READ_JOINT = """query($id: ID!) { jointVisit(id: $id) { id visits { id } } }"""


async def test_a_joint_visit_through_the_api_and_who_may_read_it(service, jwt_keys, pool):
    client, plan = service
    county_item, county = await coded_item(plan, pool)
    _, city = await coded_item(plan, pool, office=("4310-dcs", "city", "4310"))
    lead = await pool.fetchval("SELECT code_number FROM items WHERE id = $1::uuid", county_item) + "/1"
    clerk = jwt_keys.bearer(Role.UNIT, VILLAGE[1], unit_id=VILLAGE[0], subject="village-clerk")
    body = await graphql(client, JOINT, {"codes": [county, city], "lead": lead}, headers=clerk)
    occasion = body["data"]["checkInJoint"]
    assert occasion["__typename"] == "JointVisit", body
    assert set(occasion["officeIds"]) == {"431024-dcs", "4310-dcs"}
    assert occasion["lead"]["id"] == lead
    assert sorted(visit["countsTowardUnit"] for visit in occasion["visits"]) == [False, True]
    assert {visit["registeredBy"] for visit in occasion["visits"]} == {"village-clerk"}
    assert all(visit["jointVisit"]["id"] == occasion["id"] for visit in occasion["visits"])
    assert all(visit["inspectorsPresent"] == [{"name": "李四"}] for visit in occasion["visits"])

    again = await graphql(client, JOINT, {"codes": [county, city], "lead": lead}, headers=village(jwt_keys))
    refused = again["data"]["checkInJoint"]
    assert refused["__typename"] == "JointCheckInRefused", "each item's cap of one visit is used"
    assert {code["outcome"]["__typename"] for code in refused["codes"]} == {"CapReached"}

    def read(headers):
        return graphql(client, READ_JOINT, {"id": occasion["id"]}, headers=headers)

    assert (await read(village(jwt_keys)))["data"]["jointVisit"]["id"] == occasion["id"]
    city_inspector = await read(jwt_keys.bearer(Role.INSPECTOR, "4310", office_id="4310-dcs"))
    assert len(city_inspector["data"]["jointVisit"]["visits"]) == 1, "an inspector sees its own office's visit"
    town = await read(jwt_keys.bearer(Role.UNIT, TOWN[1], unit_id=TOWN[0]))
    elsewhere = await read(jwt_keys.bearer(Role.COUNTY_OFFICE, "430112", office_id="430112-dcs"))
    assert town["data"]["jointVisit"] is None
    assert elsewhere["data"]["jointVisit"] is None


async def test_complaints_are_handled_through_the_api_and_the_office_complained_about_never_sees_who(
    service, jwt_keys, pool
):
    client, plan = service
    _, code = await coded_item(plan, pool, office=("43-dcs", "province", "43"))
    visit = (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]
    file = """mutation($input: ComplaintInput!) { fileComplaint(input: $input) { __typename
      ... on Complaint { id routedToOfficeId status negativeListVersion } } }"""
    complaint = {"kind": "OTHER", "description": "一周内三次要求报材料", "place": "村部", "visitId": visit["id"]}
    filed = (await graphql(client, file, {"input": complaint}, headers=village(jwt_keys)))["data"]["fileComplaint"]
    assert (filed["routedToOfficeId"], filed["status"], filed["negativeListVersion"]) == ("43-dcs", "RECEIVED", 1)
    shown = "__typename ... on Complaint { status outcome findings reply unitId visitId } ... on NotAllowed { reason }"
    steps = {
        "investigate": f"mutation($id: ID!) {{ step: investigateComplaint(complaintId: $id) {{ {shown} }} }}",
        "conclude": f"""mutation($id: ID!) {{ step: concludeComplaint(complaintId: $id, substantiated: true,
            findings: "确有多头报材料") {{ {shown} }} }}""",
        "close": f"""mutation($id: ID!) {{ step: closeComplaint(complaintId: $id, reply: "已责令整改") {{
            {shown} }} }}""",
    }
    province = jwt_keys.bearer(Role.PROVINCE_OFFICE, "43", office_id="43-dcs")
    outside = jwt_keys.bearer(Role.CITY_OFFICE, "4301", office_id="4301-dcs")

    for name, mutation in steps.items():
        denied = await graphql(client, mutation, {"id": filed["id"]}, headers=outside)
        assert denied["data"]["step"]["__typename"] == "NotAllowed", name
        handled = await graphql(client, mutation, {"id": filed["id"]}, headers=province)
        assert handled["data"]["step"]["__typename"] == "Complaint", name
        assert (handled["data"]["step"]["unitId"], handled["data"]["step"]["visitId"]) == (None, None), (
            "the province office is the one complained about here: it handles, but never learns who complained"
        )

    listing = "{ complaints { id unitId visitId status outcome findings reply } }"
    mine = (await graphql(client, listing, headers=village(jwt_keys)))["data"]["complaints"]
    assert {
        "id": filed["id"],
        "unitId": VILLAGE[0],
        "visitId": visit["id"],
        "status": "CLOSED",
        "outcome": "SUBSTANTIATED",
        "findings": "确有多头报材料",
        "reply": "已责令整改",
    } in mine
    assert (await graphql(client, listing, headers=outside))["data"]["complaints"] == []
    town = jwt_keys.bearer(Role.UNIT, TOWN[1], unit_id=TOWN[0])
    assert filed["id"] not in [c["id"] for c in (await graphql(client, listing, headers=town))["data"]["complaints"]]


async def test_a_capped_check_in_is_listed_among_the_refusals_of_the_unit_and_its_region_only(service, jwt_keys, pool):
    client, plan = service
    _, code = await coded_item(plan, pool)
    assert (await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys)))["data"]["checkIn"]["id"]
    capped = await graphql(client, CHECK_IN, {"code": code}, headers=village(jwt_keys))
    assert capped["data"]["checkIn"]["__typename"] == "CapReached"
    listing = """query($unit: ID) { refusals(unitId: $unit) { unitId origin reason verdict
      exhausted { scope used allowed } } }"""
    expected = {
        "unitId": VILLAGE[0],
        "origin": "CHECK_IN",
        "reason": "CAP_REACHED",
        "verdict": "cap_reached",
        "exhausted": [{"scope": "item", "used": 1, "allowed": 1}],
    }
    county = jwt_keys.bearer(Role.COUNTY_OFFICE, "431024", office_id="431024-dcs")
    town = jwt_keys.bearer(Role.UNIT, TOWN[1], unit_id=TOWN[0])
    elsewhere = jwt_keys.bearer(Role.COUNTY_OFFICE, "430112", office_id="430112-dcs")

    def refusals(headers, unit=None):
        return graphql(client, listing, {"unit": unit}, headers=headers)

    assert (await refusals(village(jwt_keys)))["data"]["refusals"] == [expected]
    assert (await refusals(county, VILLAGE[0]))["data"]["refusals"] == [expected]
    assert (await refusals(town, VILLAGE[0]))["data"]["refusals"] == [], "another unit sees only its own"
    assert (await refusals(elsewhere, VILLAGE[0]))["data"]["refusals"] == [], "outside the region: nothing"
    bad = await graphql(client, '{ refusals(after: "x") { id } }', headers=county)
    assert bad["errors"][0]["message"] == "after is not a refusal id"


async def test_a_cursor_out_of_the_callers_reach_pages_as_an_unknown_one(service, jwt_keys, pool):
    """`after` naming another unit's visit, refusal or complaint tells the town nothing, not even that it exists:
    its lists after the village's newer rows read as after an id nobody holds (an empty page)."""
    client, plan = service
    town = jwt_keys.bearer(Role.UNIT, TOWN[1], unit_id=TOWN[0], subject="town-clerk")
    refuse = "mutation { refuseInspection(reason: NO_CODE) { ... on Refusal { id } } }"
    complain = """mutation { fileComplaint(input: {kind: OTHER, description: "重复填报", place: "镇政府"}) {
      ... on Complaint { id } } }"""
    village_rows = {}
    for headers in (town, village(jwt_keys)):  # the village's rows last: its own are what it passes
        _, code = await coded_item(plan, pool)
        village_rows["visits"] = (await graphql(client, CHECK_IN, {"code": code}, headers=headers))["data"]["checkIn"]
        village_rows["refusals"] = (await graphql(client, refuse, headers=headers))["data"]["refuseInspection"]
        village_rows["complaints"] = (await graphql(client, complain, headers=headers))["data"]["fileComplaint"]
    for table, at in (("visits", "inspected_at"), ("refusals", "refused_at"), ("complaints", "filed_at")):
        await pool.execute(f"UPDATE {table} SET {at} = {at} - interval '1 day' WHERE unit_id = $1", TOWN[0])

    pages = {}
    for field, row in village_rows.items():
        query = f"query($after: ID) {{ list: {field}(after: $after) {{ id }} }}"
        pages[field] = [
            (await graphql(client, query, {"after": after}, headers=town))["data"]["list"]
            for after in (row["id"], str(uuid.uuid4()))
        ]
    assert {field: out_of_reach for field, (out_of_reach, _) in pages.items()} == {
        field: unknown for field, (_, unknown) in pages.items()
    }


async def test_complaints_page_by_keyset_for_the_unit_and_the_office_they_are_routed_to(service, jwt_keys, pool):
    """Four complaints, three filed at the same moment: paged one at a time, each is read once, newest first."""
    client, _ = service
    moments = [datetime(2026, 6, 1, tzinfo=UTC)] * 3 + [datetime(2026, 7, 1, tzinfo=UTC)]
    for moment in moments:
        await pool.execute(
            """INSERT INTO complaints (id, unit_id, unit_region, kind, place, description, evidence, routed_level,
                   routed_region, routed_office_id, filed_at)
               VALUES ($1, $2, $3, 'unplanned_inspection', '村部', '未报备的检查', '{}', 'city', '4310', '4310-dcs',
                       $4)""",
            uuid.uuid4(),
            VILLAGE[0],
            VILLAGE[1],
            moment,
        )
    query = "query($after: ID) { complaints(first: 1, after: $after) { id } }"
    city = jwt_keys.bearer(Role.CITY_OFFICE, "4310", office_id="4310-dcs")
    for headers in (village(jwt_keys), city):
        whole = (await graphql(client, "{ complaints { id } }", headers=headers))["data"]["complaints"]
        paged, after = [], None
        while page := (await graphql(client, query, {"after": after}, headers=headers))["data"]["complaints"]:
            paged += page
            after = page[-1]["id"]
        assert len(whole) == 4
        assert paged == whole
    outside = jwt_keys.bearer(Role.CITY_OFFICE, "4304", office_id="4304-dcs")
    assert (await graphql(client, "{ complaints { id } }", headers=outside))["data"]["complaints"] == []
    refused = await graphql(client, '{ complaints(after: "x") { id } }', headers=city)
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
