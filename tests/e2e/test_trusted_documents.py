"""Trusted documents: a production gateway given the web app's manifest runs those documents and nothing else."""

from __future__ import annotations

import json

import httpx
import pytest

from wurao_common.auth import Role
from wurao_devstack import web

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def production_gateway(platform):
    documents = str(web.PERSISTED_DOCUMENTS)
    with platform.another_gateway(
        platform.data_dir / "supergraph.graphql", "production", GATEWAY_PERSISTED_DOCUMENTS=documents
    ) as url:
        yield url


def _document_id(operation: str) -> str:
    manifest = json.loads(web.PERSISTED_DOCUMENTS.read_text())
    return next(key for key, text in manifest.items() if text.startswith(f"query {operation}"))


async def test_production_runs_the_apps_documents_by_hash_and_refuses_any_other_query(platform, production_gateway):
    headers = {"authorization": f"Bearer {platform.keys.token(Role.COUNTY_OFFICE, '431024', office='431024-dcs')}"}
    async with httpx.AsyncClient(timeout=30) as client:
        known = await client.post(
            production_gateway, json={"documentId": _document_id("Items"), "variables": {"first": 10}}, headers=headers
        )
        assert known.status_code == 200
        assert known.json()["data"]["items"]
        arbitrary = await client.post(production_gateway, json={"query": "{ items { id } }"}, headers=headers)
        assert "data" not in arbitrary.json() or arbitrary.json()["data"] is None
        assert arbitrary.json()["errors"]
        unknown = await client.post(production_gateway, json={"documentId": "sha256:" + "0" * 64}, headers=headers)
        assert unknown.json()["errors"]


async def test_development_still_runs_any_query(platform, gateway):
    headers = {"authorization": f"Bearer {platform.keys.token(Role.COUNTY_OFFICE, '431024', office='431024-dcs')}"}
    response = await gateway.post("/graphql", json={"query": "{ items { id } }"}, headers=headers)
    assert response.json()["data"]["items"]
