"""Coding, revoking and reading codes through the plan subgraph, on real PostgreSQL and NATS."""

import asyncio
import base64
import uuid
from datetime import datetime, timedelta

import pytest

from wurao_common.auth import Role
from wurao_common.codes import ForgedCode, public_key_from_text, verify
from wurao_common.testing import graphql, serving
from wurao_plan.adapters import qr
from wurao_plan.app import create_app
from wurao_plan.domain.codes import CHINA, validity

CODE_KEY_ID = 7  # as in conftest's plan_env
SCAN_BASE_URL = "https://wurao.example/s/"
CODE = """mutation($id: ID!) { codeItem(itemId: $id) { __typename
  ... on ItemCode { itemId number token keyId notBefore expires scanUrl }
  ... on NotAllowed { reason } ... on Conflict { reason } } }"""
REVOKE = """mutation($id: ID!, $reason: String!) { revokeCode(itemId: $id, reason: $reason) { __typename
  ... on ItemCode { number revokedAt revokeReason }
  ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason } } }"""
READ = "query($id: ID!) { itemCode(itemId: $id) { number token qrSvg qrPng(scale: 2) } }"
KEYS = "{ codeSigningKeys { keyId publicKey publishedAt } }"

JIAHE_OFFICE = {"role": Role.COUNTY_OFFICE, "region": "431024", "office_id": "431024-dcs"}
JIAHE_EMERGENCY = {"role": Role.COUNTY_OFFICE, "region": "431024", "office_id": "431024-yjj"}
CHENZHOU_OFFICE = {"role": Role.CITY_OFFICE, "region": "4310", "office_id": "4310-dcs"}
CHANGSHA_OFFICE = {"role": Role.CITY_OFFICE, "region": "4301", "office_id": "4301-dcs"}
PROVINCE_OFFICE = {"role": Role.PROVINCE_OFFICE, "region": "43", "office_id": "43-dcs"}


def as_(jwt_keys, who: dict) -> dict[str, str]:
    return jwt_keys.bearer(
        who["role"], who["region"], **({"office_id": who["office_id"]} if "office_id" in who else {})
    )


async def code(plan, jwt_keys, item_id: str, who: dict = JIAHE_OFFICE) -> dict:
    return (await graphql(plan, CODE, {"id": item_id}, headers=as_(jwt_keys, who)))["data"]["codeItem"]


async def published_keys(plan, jwt_keys) -> dict:
    body = await graphql(plan, KEYS, headers=jwt_keys.bearer(Role.UNIT, "431024106201"))
    return {key["keyId"]: public_key_from_text(key["publicKey"]) for key in body["data"]["codeSigningKeys"]}


async def test_an_approved_item_is_numbered_signed_and_announced_with_all_the_gate_needs(
    plan, jwt_keys, pool, plan_events, insert_item
):
    item_id = await insert_item("431024-dcs", per_unit_cap=2, exemption="emergency", exemption_reason="汛情")
    coded = await code(plan, jwt_keys, item_id)

    assert coded["__typename"] == "ItemCode"
    year = await pool.fetchval("SELECT year FROM items WHERE id = $1", uuid.UUID(item_id))
    assert coded["number"] == f"DC431024{year % 100:02d}00001"
    assert coded["scanUrl"] == SCAN_BASE_URL + coded["token"]
    claims = verify(coded["token"], await published_keys(plan, jwt_keys))
    assert (str(claims.item_id), claims.key_id) == (item_id, CODE_KEY_ID)
    row = await pool.fetchrow("SELECT * FROM items WHERE id = $1", uuid.UUID(item_id))
    assert (row["status"], row["code_number"]) == ("coded", coded["number"])
    assert (claims.not_before, claims.expires) == validity(row["window_start"], row["window_end"])
    assert datetime.fromisoformat(coded["expires"]) == claims.expires

    await plan_events.settle(pool)
    [event] = plan_events.of_type("plan.item.coded")
    assert event.region == "431024"
    assert event.data == {
        "itemId": item_id,
        "codeNumber": coded["number"],
        "keyId": CODE_KEY_ID,
        "officeId": "431024-dcs",
        "officeName": "嘉禾县委督查室",
        "officeLevel": "county",
        "officeKind": "supervision",
        "officeRegion": "431024",
        "kind": "inspection",
        "title": row["title"],
        "basis": row["basis"],
        "content": row["content"],
        "scopeRegions": ["431024106", "431024103"],
        "scopeUnitKinds": ["village_committee", "township_government"],
        "windowStart": row["window_start"].isoformat(),
        "windowEnd": row["window_end"].isoformat(),
        "notBefore": claims.not_before.astimezone(CHINA).isoformat(),
        "expires": claims.expires.astimezone(CHINA).isoformat(),
        "inspectors": [{"name": "陈跃辉", "title": "县委督查室主任"}],
        "perUnitCap": 2,
        "exemption": "emergency",
        "exemptionReason": "汛情",
        "emergency": False,
        "year": year,
    }


async def test_a_department_is_numbered_under_its_own_letters(plan, jwt_keys, insert_item):
    coded = await code(plan, jwt_keys, await insert_item("431024-yjj"), JIAHE_EMERGENCY)
    assert coded["number"].startswith("BM431024")


async def test_every_bit_flip_of_a_coded_items_token_fails_against_the_published_keys(plan, jwt_keys, insert_item):
    token = (await code(plan, jwt_keys, await insert_item("431024-dcs")))["token"]
    keys = await published_keys(plan, jwt_keys)
    raw = base64.urlsafe_b64decode(token + "==")
    verify(token, keys)
    for bit in range(len(raw) * 8):
        mutant = bytearray(raw)
        mutant[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(ForgedCode):
            verify(base64.urlsafe_b64encode(bytes(mutant)).rstrip(b"=").decode(), keys)


@pytest.mark.parametrize("status", ["draft", "cancelled", "rejected"])
async def test_only_approved_items_can_be_coded_the_rest_is_a_typed_conflict(plan, jwt_keys, pool, status, insert_item):
    item_id = await insert_item("431024-dcs", status=status)
    coded = await code(plan, jwt_keys, item_id)
    assert coded["__typename"] == "Conflict"
    assert status in coded["reason"]
    assert await pool.fetchval("SELECT status FROM items WHERE id = $1", uuid.UUID(item_id)) == status
    assert await pool.fetchval("SELECT count(*) FROM code_counters") == 0


async def test_an_item_is_coded_once_the_second_attempt_is_a_conflict(plan, jwt_keys, pool, insert_item):
    item_id = await insert_item("431024-dcs")
    first = await code(plan, jwt_keys, item_id)
    again = await code(plan, jwt_keys, item_id)
    assert (first["__typename"], again["__typename"]) == ("ItemCode", "Conflict")
    assert await pool.fetchval("SELECT count(*) FROM item_codes") == 1


async def test_an_item_whose_window_is_over_is_not_coded(plan, jwt_keys, insert_item):
    today = datetime.now(CHINA).date()
    item_id = await insert_item("431024-dcs", window=(today - timedelta(days=10), today - timedelta(days=1)))
    assert (await code(plan, jwt_keys, item_id))["__typename"] == "Conflict"


async def test_fifty_concurrent_codings_get_distinct_gap_free_numbers(plan, jwt_keys, insert_item):
    items = [await insert_item("431024-dcs") for _ in range(50)]
    results = await asyncio.gather(*(code(plan, jwt_keys, item_id) for item_id in items))
    assert {result["__typename"] for result in results} == {"ItemCode"}
    sequences = sorted(int(result["number"][-5:]) for result in results)
    assert sequences == list(range(1, 51))
    assert len({result["token"] for result in results}) == 50


@pytest.mark.parametrize(
    ("who", "why"),
    [
        (JIAHE_EMERGENCY, "another office in the same county"),
        (CHENZHOU_OFFICE, "the office above codes nothing for it"),
        ({"role": Role.COUNTY_OFFICE, "region": "430112", "office_id": "431024-dcs"}, "its claim, outside its region"),
        ({"role": Role.INSPECTOR, "region": "431024"}, "an inspector"),
        ({"role": Role.UNIT, "region": "431024106201"}, "a unit"),
        ({"role": Role.OBSERVER, "region": "43"}, "an observer"),
    ],
)
async def test_only_the_items_own_office_may_code_it(plan, jwt_keys, pool, who, why, insert_item):
    item_id = await insert_item("431024-dcs")
    assert (await code(plan, jwt_keys, item_id, who))["__typename"] == "NotAllowed", why
    assert await pool.fetchval("SELECT status FROM items WHERE id = $1", uuid.UUID(item_id)) == "approved"


@pytest.mark.parametrize("item_id", [str(uuid.uuid4()), "not-a-uuid"])
async def test_an_unknown_item_is_refused_like_one_out_of_reach(plan, jwt_keys, item_id):
    refused = await code(plan, jwt_keys, item_id)
    assert refused == {"__typename": "NotAllowed", "reason": f"there is no item {item_id} in your region"}


@pytest.mark.parametrize(
    ("issuer", "who", "outcome"),
    [
        ("431024-yjj", JIAHE_EMERGENCY, "ItemCode"),  # the issuing office
        ("431024-yjj", JIAHE_OFFICE, "ItemCode"),  # the office that approves its plans
        ("431024-dcs", CHENZHOU_OFFICE, "ItemCode"),  # the city above
        ("431024-dcs", PROVINCE_OFFICE, "ItemCode"),
        ("431024-dcs", JIAHE_EMERGENCY, "NotAllowed"),  # a department of the same county
        ("431024-dcs", CHANGSHA_OFFICE, "NotAllowed"),  # a city, but not this one
        ("431024-dcs", {"role": Role.INSPECTOR, "region": "431024"}, "NotAllowed"),
        ("431024-dcs", {"role": Role.OBSERVER, "region": "43"}, "NotAllowed"),
        ("431024-dcs", {"role": Role.UNIT, "region": "431024106201"}, "NotAllowed"),
    ],
)
async def test_who_may_revoke_a_code(plan, jwt_keys, pool, plan_events, issuer, who, outcome, insert_item):
    item_id = await insert_item(issuer)
    issuer_caller = JIAHE_EMERGENCY if issuer == "431024-yjj" else JIAHE_OFFICE
    number = (await code(plan, jwt_keys, item_id, issuer_caller))["number"]
    body = await graphql(plan, REVOKE, {"id": item_id, "reason": "汛情解除"}, headers=as_(jwt_keys, who))
    assert body["data"]["revokeCode"]["__typename"] == outcome
    status = await pool.fetchval("SELECT status FROM items WHERE id = $1", uuid.UUID(item_id))
    assert status == ("revoked" if outcome == "ItemCode" else "coded")
    await plan_events.settle(pool)
    revoked = [event.data for event in plan_events.of_type("plan.item.revoked")]
    expected = [{"itemId": item_id, "codeNumber": number, "reason": "汛情解除"}] if outcome == "ItemCode" else []
    assert revoked == expected


async def test_a_revocation_needs_a_reason_and_a_live_code(plan, jwt_keys, insert_item):
    headers = as_(jwt_keys, JIAHE_OFFICE)
    uncoded = await insert_item("431024-dcs")
    body = await graphql(plan, REVOKE, {"id": uncoded, "reason": "不再需要"}, headers=headers)
    assert body["data"]["revokeCode"]["__typename"] == "Conflict"

    item_id = await insert_item("431024-dcs")
    await code(plan, jwt_keys, item_id)
    body = await graphql(plan, REVOKE, {"id": item_id, "reason": "  "}, headers=headers)
    assert body["data"]["revokeCode"]["__typename"] == "InvalidInput"
    body = await graphql(plan, REVOKE, {"id": item_id, "reason": "x" * 501}, headers=headers)
    assert body["data"]["revokeCode"]["field"] == "reason"
    first = await graphql(plan, REVOKE, {"id": item_id, "reason": "不再需要"}, headers=headers)
    assert first["data"]["revokeCode"]["revokeReason"] == "不再需要"
    again = await graphql(plan, REVOKE, {"id": item_id, "reason": "不再需要"}, headers=headers)
    assert again["data"]["revokeCode"]["__typename"] == "Conflict"


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        (JIAHE_OFFICE, True),
        (CHENZHOU_OFFICE, True),
        ({"role": Role.INSPECTOR, "region": "431024", "office_id": "431024-dcs"}, True),
        ({"role": Role.OBSERVER, "region": "43"}, True),
        (CHANGSHA_OFFICE, False),
        ({"role": Role.INSPECTOR, "region": "430112", "office_id": "430112-dcs"}, False),
        # Another office's inspector in the same county, and one of no office: an inspector shows its own codes.
        ({"role": Role.INSPECTOR, "region": "431024", "office_id": "431024-yjj"}, False),
        ({"role": Role.INSPECTOR, "region": "431024"}, False),
        ({"role": Role.UNIT, "region": "431024106201"}, False),
    ],
)
async def test_who_may_read_a_code_and_its_qr_images(plan, jwt_keys, insert_item, who, visible):
    item_id = await insert_item("431024-dcs")
    coded = await code(plan, jwt_keys, item_id)
    headers = as_(jwt_keys, who)
    read = (await graphql(plan, READ, {"id": item_id}, headers=headers))["data"]["itemCode"]
    svg = await plan.get(f"/codes/{item_id}.svg", headers=headers)
    png = await plan.get(f"/codes/{item_id}.png", headers=headers)
    if not visible:
        assert read is None
        assert (svg.status_code, png.status_code) == (404, 404)
        return
    assert read["token"] == coded["token"]
    assert read["qrSvg"].startswith("<svg")
    assert base64.b64decode(read["qrPng"]).startswith(b"\x89PNG")
    assert (svg.status_code, svg.headers["content-type"]) == (200, "image/svg+xml")
    assert svg.text == await qr.svg(SCAN_BASE_URL + coded["token"])
    assert (png.status_code, png.headers["content-type"]) == (200, "image/png")
    assert png.content == await qr.png(SCAN_BASE_URL + coded["token"])


async def test_the_qr_image_url_needs_authentication_and_a_coded_item(plan, jwt_keys, insert_item):
    item_id = await insert_item("431024-dcs")
    headers = as_(jwt_keys, JIAHE_OFFICE)
    assert (await plan.get(f"/codes/{item_id}.svg", headers=headers)).status_code == 404  # not coded yet
    await code(plan, jwt_keys, item_id)
    anonymous = await plan.get(f"/codes/{item_id}.svg")
    assert (anonymous.status_code, anonymous.headers["www-authenticate"]) == (401, "Bearer")
    forged = await plan.get(f"/codes/{item_id}.svg", headers={"authorization": "Bearer x.y.z"})
    assert forged.status_code == 401
    assert (await plan.get(f"/codes/{item_id}.gif", headers=headers)).status_code == 404
    assert (await plan.get("/codes/not-a-uuid.svg", headers=headers)).status_code == 404


async def test_the_signing_key_is_published_once_and_listed_for_everyone(
    plan_settings, plan_events, pool, jwt_keys, plan
):
    await plan_events.settle(pool)
    async with serving(create_app(plan_settings())):  # a second replica, or a restart
        await plan_events.settle(pool)
    [event] = plan_events.of_type("plan.signing_key.published")
    assert event.region == "43"
    body = await graphql(plan, KEYS, headers=jwt_keys.bearer(Role.UNIT, "431024106201"))
    assert body["data"]["codeSigningKeys"] == [
        {"keyId": CODE_KEY_ID, "publicKey": event.data["publicKey"], "publishedAt": event.data["publishedAt"]}
    ]
    assert event.data["publicKey"] == plan_settings().codes.public_key


async def test_after_a_key_rotation_codes_signed_before_still_verify(
    plan_settings, pool, jwt_keys, plan, insert_item, new_code_key_file
):
    old = await code(plan, jwt_keys, await insert_item("431024-dcs"))
    rotated = plan_settings(CODE_SIGNING_KEY_FILE=str(new_code_key_file("rotated.pem")), CODE_SIGNING_KEY_ID="8")
    async with serving(create_app(rotated)) as replica:
        new = await code(replica, jwt_keys, await insert_item("431024-dcs"))
        keys = await published_keys(replica, jwt_keys)
    assert sorted(keys) == [CODE_KEY_ID, 8]
    assert verify(old["token"], keys).key_id == CODE_KEY_ID
    assert verify(new["token"], keys).key_id == 8


async def test_a_key_id_reused_for_another_key_stops_the_service_from_starting(plan_settings, plan, new_code_key_file):
    other = plan_settings(CODE_SIGNING_KEY_FILE=str(new_code_key_file("other.pem")))
    with pytest.raises(RuntimeError, match="already names another public key"):
        async with serving(create_app(other)):
            pass


async def _coded_items(plan, jwt_keys, insert_item, count: int) -> list[str]:
    ids = [await insert_item("431024-dcs") for _ in range(count)]
    for item_id in ids:
        assert (await code(plan, jwt_keys, item_id))["__typename"] == "ItemCode"
    return ids


def _qr_sheet(ids: list[str], scale: int) -> str:
    fields = " ".join(
        f'c{n}: itemCode(itemId: "{item_id}") {{ qrPng(scale: {scale}) }}' for n, item_id in enumerate(ids)
    )
    return "{ " + fields + " }"


async def test_one_request_gets_at_most_ten_qr_images(plan, jwt_keys, insert_item):
    ids = await _coded_items(plan, jwt_keys, insert_item, 11)
    body = await graphql(plan, _qr_sheet(ids, 2), headers=as_(jwt_keys, JIAHE_OFFICE))
    rendered = [value for value in body["data"].values() if value is not None]
    assert len(rendered) == 10
    assert [error["extensions"]["code"] for error in body["errors"]] == ["TOO_MANY_QR_IMAGES"]


async def test_rendering_qr_images_never_stalls_the_service(plan, jwt_keys, insert_item):
    """Ten large PNGs are rendered in worker threads: small requests sent meanwhile are all answered first."""
    ids = await _coded_items(plan, jwt_keys, insert_item, 10)
    headers = as_(jwt_keys, JIAHE_OFFICE)
    finished: list[str] = []

    async def request(name: str, query: str) -> None:
        body = await graphql(plan, query, headers=headers)
        assert "errors" not in body, body
        finished.append(name)

    heavy = asyncio.create_task(request("sheet", _qr_sheet(ids, 20)))
    await asyncio.sleep(0.05)  # the sheet is being rendered
    await asyncio.gather(*(request(f"small {n}", "{ __typename }") for n in range(20)))
    await heavy

    assert finished[-1] == "sheet", finished
