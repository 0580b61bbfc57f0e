"""The HTTP face every subgraph shares, on a small federated schema."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import strawberry

from wurao_common.auth import Role, TokenVerifier
from wurao_common.testing import AUDIENCE, ISSUER, Keys, serving
from wurao_common.web import build_schema, graphql_service


@strawberry.federation.type(keys=["id"])
class Thing:
    id: strawberry.ID

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Thing:
        return cls(id=id)


@strawberry.type
class Result:
    ok: bool


@strawberry.type
class Query:
    @strawberry.field
    def thing(self) -> Thing:
        return Thing(id=strawberry.ID("1"))

    @strawberry.field
    def result(self) -> Result:
        return Result(ok=True)


def _app(keys: Keys, **options):
    @asynccontextmanager
    async def runtime() -> AsyncIterator[None]:
        yield

    async def ready() -> list[str]:
        return []

    verifier = TokenVerifier(keys.public_pem, issuer=ISSUER, audience=AUDIENCE)
    return graphql_service(
        service="things",
        schema=build_schema(query=Query, types=[Thing]),
        verifier=lambda: verifier,
        runtime=runtime,
        make_context=lambda _request, caller: {"caller": caller},
        readiness=ready,
        **options,
    )


ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Thing { id } } }"


@pytest.mark.parametrize(
    "representation",
    [
        {"__typename": "Result", "ok": True},  # an object type that is no entity
        {"__typename": "Boolean"},  # a scalar
        {"__typename": "Query"},
        {"__typename": "NoSuchType", "id": "1"},
        {"id": "1"},  # no __typename
        {"__typename": 5, "id": "1"},
        {"__typename": "Thing"},  # the key missing
        {"__typename": "Thing", "id": "1", "name": "x"},  # a field that is no key
        {"__typename": "Thing", "id": {"nested": True}},  # a key of the wrong type
        "Thing",  # not an object at all
    ],
    ids=lambda value: str(value)[:40],
)
async def test_an_entity_representation_that_names_no_entity_of_the_subgraph_is_the_clients_error(
    jwt_keys, caplog, representation
):
    """Strawberry crashed (a masked 'Internal error' and a stack trace in the log) on each of these."""
    caplog.set_level(logging.ERROR, logger="wurao.web")
    async with serving(_app(jwt_keys)) as client:
        answer = await client.post(
            "/graphql",
            json={"query": ENTITIES, "variables": {"r": [{"__typename": "Thing", "id": "7"}, representation]}},
            headers=jwt_keys.bearer(Role.OBSERVER, "43"),
        )
    body = answer.json()
    assert answer.status_code == 200, answer.text
    assert body["data"]["_entities"][0] == {"id": "7"}, "a good representation beside a bad one still resolves"
    assert body["data"]["_entities"][1] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["path"] == ["_entities", 1]
    assert not caplog.records, "a client's mistake is no unexpected error"
