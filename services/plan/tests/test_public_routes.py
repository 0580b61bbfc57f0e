"""The routes plan answers without a token: the code keys (JWKS) and one code's public summary."""

import base64
from datetime import date, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wurao_common.auth import Role
from wurao_common.codes import verify
from wurao_common.testing import graphql, serving
from wurao_plan.api.public import SUMMARY_BURST
from wurao_plan.app import create_app

CODE = "mutation($id: ID!) { codeItem(itemId: $id) { ... on ItemCode { number token } } }"
REVOKE = 'mutation($id: ID!) { revokeCode(itemId: $id, reason: "误发") { __typename } }'
JIAHE_OFFICE = {"role": Role.COUNTY_OFFICE, "region": "431024", "office_id": "431024-dcs"}


async def coded_item(plan, jwt_keys, insert_item, **columns) -> tuple[str, dict]:
    item_id = await insert_item("431024-dcs", **columns)
    body = await graphql(plan, CODE, {"id": item_id}, headers=jwt_keys.bearer(**JIAHE_OFFICE))
    return item_id, body["data"]["codeItem"]


def key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4)))


async def test_the_code_keys_are_a_jwks_anyone_can_verify_a_code_with(plan, jwt_keys, insert_item):
    _, code = await coded_item(plan, jwt_keys, insert_item)
    response = await plan.get("/.well-known/code-keys.json")  # no token
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public")
    [jwk] = response.json()["keys"]
    assert {k: jwk[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
    }
    claims = verify(code["token"], {int(jwk["kid"]): key_from_jwk(jwk)})
    assert claims.key_id == int(jwk["kid"])


async def test_a_genuine_code_shows_its_item_office_window_and_the_negative_list_without_a_token(
    plan, jwt_keys, insert_item
):
    start = date.today()
    _, code = await coded_item(plan, jwt_keys, insert_item, window=(start, start + timedelta(days=10)))
    body = (await plan.get(f"/public/codes/{code['token']}")).json()
    assert body["genuine"] is True
    assert body["status"] == "valid"
    assert body["codeNumber"] == code["number"]
    assert (body["title"], body["officeName"]) == ("汛期防汛备汛专项督查", "嘉禾县委督查室")
    assert (body["windowStart"], body["windowEnd"]) == (start.isoformat(), (start + timedelta(days=10)).isoformat())
    assert body["negativeList"]
    assert {"code", "text"} == set(body["negativeList"][0])
    # Nothing about units: no scope, no visits, no standing.
    assert not {"scopeRegions", "scopeUnitKinds", "standing", "visits", "inspectors"} & set(body)


async def test_a_revoked_code_is_shown_as_revoked_at_once(plan, jwt_keys, insert_item):
    item_id, code = await coded_item(plan, jwt_keys, insert_item)
    await graphql(plan, REVOKE, {"id": item_id}, headers=jwt_keys.bearer(**JIAHE_OFFICE))
    response = await plan.get(f"/public/codes/{code['token']}")
    assert (response.json()["status"], response.headers["cache-control"]) == ("revoked", "no-store")


async def test_a_tampered_or_made_up_code_reads_nothing(plan, jwt_keys, insert_item):
    _, code = await coded_item(plan, jwt_keys, insert_item)
    token = code["token"]
    tampered = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    for bad in (tampered, "x" * 122, "not-a-code"):
        body = (await plan.get(f"/public/codes/{bad}")).json()
        assert body["genuine"] is False
        assert not {"title", "codeNumber", "officeName"} & set(body)
        assert body["negativeList"]  # what the unit may cite when it refuses or complains


async def test_the_summary_is_rate_limited_per_client(plan_settings, pool):
    async with serving(create_app(plan_settings())) as fresh:  # its own, untouched budget
        statuses = [(await fresh.get("/public/codes/x")).status_code for _ in range(SUMMARY_BURST + 1)]
        assert statuses[:SUMMARY_BURST] == [200] * SUMMARY_BURST
        assert statuses[-1] == 429
        refused = await fresh.get("/public/codes/x")
        assert int(refused.headers["retry-after"]) >= 1
        # The keys are not budgeted: verifying offline must keep working.
        assert (await fresh.get("/.well-known/code-keys.json")).status_code == 200


async def test_everything_else_still_needs_a_token(plan):
    assert (await plan.post("/graphql", json={"query": "{ codeSigningKeys { keyId } }"})).status_code == 401
