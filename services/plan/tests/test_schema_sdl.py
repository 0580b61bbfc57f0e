"""The committed SDL (services/plan/schema.graphql) is what the schema in code serves: the gateway composes it."""

from pathlib import Path

from wurao_common.sdl import subgraph_sdl
from wurao_plan.api.schema import schema


def test_the_committed_sdl_matches_the_schema_in_code():
    committed = Path(__file__).parents[1] / "schema.graphql"
    assert committed.read_text() == subgraph_sdl(schema), (
        "export it: .venv/bin/python -m wurao_common.sdl wurao_plan.api.schema:schema services/plan/schema.graphql"
    )
