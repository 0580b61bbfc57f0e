"""The subgraphs speak GraphQL over HTTP as the specification recommends (shown on plan; the HTTP layer is
shared by every subgraph): `application/graphql-response+json` for clients that accept it, and then a 400
without `data` for a request that never executed. Clients that ask for `application/json` keep getting 200."""

import pytest

from wurao_common.auth import Role
from wurao_common.testing import serving
from wurao_plan.app import create_app

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def _post(plan, jwt_keys, body: dict, accept: str):
    headers = {**jwt_keys.bearer(Role.OBSERVER, "43"), "accept": accept}
    return await plan.post("/graphql", json=body, headers=headers)


async def test_a_client_that_accepts_graphql_response_json_gets_it(plan, jwt_keys):
    response = await _post(plan, jwt_keys, {"query": "{ offices(first: 1) { id } }"}, GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json()["data"]["offices"]


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("parse", {"query": "{ offices { id "}),
        ("validation", {"query": "{ noSuchField }"}),
        ("variable coercion", {"query": "query($n: Int!) { offices(first: $n) { id } }", "variables": {"n": "ten"}}),
        ("missing variable", {"query": "query($n: Int!) { offices(first: $n) { id } }"}),
    ],
)
async def test_a_request_that_never_executed_is_a_400_without_data(plan, jwt_keys, kind, body):
    response = await _post(plan, jwt_keys, body, f"{GRAPHQL_RESPONSE}, application/json;q=0.9")
    assert response.status_code == 400, kind
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert "data" not in response.json()
    assert response.json()["errors"]


async def test_a_legacy_client_asking_for_application_json_still_gets_200(plan, jwt_keys):
    response = await _post(plan, jwt_keys, {"query": "{ noSuchField }"}, "application/json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"]


async def test_the_clients_preference_decides_between_the_two(plan, jwt_keys):
    body = {"query": "{ noSuchField }"}
    preferred_json = await _post(plan, jwt_keys, body, f"{GRAPHQL_RESPONSE};q=0.5, application/json")
    assert preferred_json.headers["content-type"].startswith("application/json")
    no_preference = await _post(plan, jwt_keys, body, "*/*")
    assert no_preference.headers["content-type"].startswith("application/json")


async def test_production_subgraphs_refuse_introspection_and_suggest_nothing(plan_settings, pool, jwt_keys):
    headers = jwt_keys.bearer(Role.OBSERVER, "43")
    async with serving(create_app(plan_settings(WURAO_ENV="production"))) as production:
        for query in ("{ __schema { types { name } } }", '{ __type(name: "Office") { fields { name } } }'):
            refused = await production.post("/graphql", json={"query": query}, headers=headers)
            assert refused.status_code == 400, query
            assert refused.json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
        federation = await production.post("/graphql", json={"query": "{ _service { sdl } }"}, headers=headers)
        assert "type Office" in federation.json()["data"]["_service"]["sdl"], "the composer still reads the SDL"
        typo = await production.post("/graphql", json={"query": "{ ofices { id } }"}, headers=headers)
        assert "Did you mean" not in typo.text
        assert typo.json()["errors"]


async def test_development_subgraphs_still_introspect_and_suggest(plan, jwt_keys):
    headers = jwt_keys.bearer(Role.OBSERVER, "43")
    schema = await plan.post("/graphql", json={"query": "{ __schema { queryType { name } } }"}, headers=headers)
    assert schema.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    typo = await plan.post("/graphql", json={"query": "{ ofices { id } }"}, headers=headers)
    assert "Did you mean" in typo.text
