"""The bare baseline of `make bench`: a Strawberry app on Starlette with the parser and validation caches the
subgraphs use, and nothing else (no authentication, no limits, no database, no metrics, no tracing).

Served the way the subgraphs are (`stack.serve_command`: one uvicorn worker, uvloop and httptools):
`uvicorn --factory wurao_devstack.bench.bare:create_app`.
"""

from __future__ import annotations

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


def create_app() -> Starlette:
    schema = strawberry.Schema(
        query=Query, extensions=[lambda: ParserCache(maxsize=1000), lambda: ValidationCache(maxsize=1000)]
    )

    async def healthz(_: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/graphql", GraphQL(schema, graphql_ide=None), methods=None), Route("/healthz", healthz)]
    )
