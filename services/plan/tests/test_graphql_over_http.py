"""The production profile of the subgraphs' HTTP face (shown on plan; the layer is shared by every subgraph).
How every subgraph speaks GraphQL over HTTP is tested on each running subgraph in tests/e2e."""

from wurao_common.auth import Role
from wurao_common.testing import serving
from wurao_plan.app import create_app

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def test_production_subgraphs_refuse_introspection_and_suggest_nothing(plan_settings, pool, jwt_keys):
    headers = jwt_keys.bearer(Role.OBSERVER, "43")
    async with serving(create_app(plan_settings(WURAO_ENV="production"))) as production:
        for query in ("{ __schema { types { name } } }", '{ __type(name: "Office") { fields { name } } }'):
            refused = await production.post(
                "/graphql", json={"query": query}, headers={**headers, "accept": GRAPHQL_RESPONSE}
            )
            assert refused.status_code == 400, query
            assert "data" not in refused.json()
            assert refused.json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
            legacy = await production.post("/graphql", json={"query": query}, headers=headers)
            assert legacy.status_code == 200, "a request error of a well-formed request, for application/json"
            assert legacy.json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
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
