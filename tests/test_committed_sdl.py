"""Each subgraph's committed schema.graphql is what its code serves: the gateway composes the committed files."""

from pathlib import Path

import pytest

from wurao_common.sdl import load_schema, subgraph_sdl

REPO = Path(__file__).parents[1]


@pytest.mark.parametrize("service", ["plan", "inspection", "rectification", "reporting"])
def test_the_committed_sdl_matches_the_schema_in_code(service):
    committed = REPO / "services" / service / "schema.graphql"
    assert committed.read_text() == subgraph_sdl(load_schema(f"wurao_{service}.api.schema:schema")), (
        f"{committed} drifted from the code: run `make sdl`"
    )
