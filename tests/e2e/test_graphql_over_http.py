"""Every subgraph, as the real process the gateway calls, follows every SHOULD of GraphQL over HTTP (the
specification's 2025 draft, which the gateway follows too): media types, encodings and status codes.

application/graphql-response+json: a request that never executed (no GraphQL-over-HTTP request, a document that
does not parse or validate, an operation that cannot be chosen, variables that cannot be coerced) is a 400
without `data`. application/json (legacy clients): 200 for every well-formed request, 400 for a malformed one.
"""

import json

import httpx
import pytest

from wurao_common.auth import Role
from wurao_devstack.stack import SERVICES

pytestmark = pytest.mark.e2e
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
TYPENAME = {"query": "{ __typename }"}
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"


@pytest.fixture(params=SERVICES)
def subgraph(request, platform):
    """One subgraph's /graphql, with an observer's token."""
    headers = {"authorization": f"Bearer {platform.keys.token(Role.OBSERVER, '43')}"}
    origin = platform.service_urls[request.param].removesuffix("/graphql")
    with httpx.Client(base_url=origin, headers=headers, timeout=10) as client:
        yield client


def _post(client: httpx.Client, body, *, accept: str | None, content_type: str = JSON) -> httpx.Response:
    headers = {"content-type": content_type}
    if accept is not None:
        headers["accept"] = accept
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/graphql", content=content, headers=headers)


def _media_type(response: httpx.Response) -> str:
    media, *params = (piece.strip().lower() for piece in response.headers["content-type"].split(";"))
    assert "charset=utf-8" in params, f"the response names its encoding: {response.headers['content-type']}"
    return media


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (JSON, JSON),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, {JSON}", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (None, JSON),
    ],
)
def test_the_response_is_in_the_accepted_media_type_the_client_prefers_and_names_its_encoding(
    subgraph, accept, media_type
):
    response = _post(subgraph, TYPENAME, accept=accept)
    assert response.status_code == 200, response.text
    assert _media_type(response) == media_type
    assert response.json() == {"data": {"__typename": "Query"}}


def test_a_client_that_accepts_neither_media_type_gets_406(subgraph):
    response = _post(subgraph, TYPENAME, accept="text/html, application/xml;q=0.9")
    assert response.status_code == 406, response.text
    refused = _post(subgraph, TYPENAME, accept=f"{GRAPHQL_RESPONSE};q=0, text/html")
    assert refused.status_code == 406, "q=0 means not acceptable"


def test_only_post_is_served_and_a_405_names_it(subgraph):
    response = subgraph.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("content_type", "status"),
    [(None, 415), ("text/plain", 415), (f"{JSON}; charset=latin-1", 415), (f"{JSON}; charset=utf-8", 200)],
)
def test_the_body_must_be_json_in_utf_8(subgraph, content_type, status):
    headers = {"accept": GRAPHQL_RESPONSE} | ({"content-type": content_type} if content_type else {})
    response = subgraph.post("/graphql", content=json.dumps(TYPENAME).encode(), headers=headers)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{ "not a JSON', id="json-parse-failure"),
        pytest.param(b"", id="no-body"),
        pytest.param({"qeury": "{ __typename }"}, id="no-query"),
        *(pytest.param({"query": value}, id=f"query-{type(value).__name__}") for value in ({"obj": 1}, 0, False, [1])),
        *(
            pytest.param({**TYPENAME, parameter: value}, id=f"{parameter}-{type(value).__name__}")
            for parameter in ("variables", "extensions")
            for value in ("string", 0, False, ["array"])
        ),
        *(
            pytest.param({**TYPENAME, "operationName": value}, id=f"operationName-{type(value).__name__}")
            for value in ({"obj": 1}, 0, False, ["array"])
        ),
    ],
)
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
def test_a_body_that_is_no_graphql_over_http_request_is_a_400_for_either_media_type(subgraph, body, accept):
    response = _post(subgraph, body, accept=accept)
    assert response.status_code == 400, response.text
    assert _media_type(response) == accept
    assert "data" not in response.json()
    assert response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({**TYPENAME, "variables": None, "operationName": None, "extensions": None}, id="nulls"),
        pytest.param({**TYPENAME, "extensions": {"some": "value"}}, id="extensions-map"),
        pytest.param({"query": "query Q { __typename }", "operationName": "Q"}, id="operation-name"),
        pytest.param({**TYPENAME, "somethingElse": 1}, id="unknown-property-ignored"),
        pytest.param({"query": "query A { a: __typename } query B { __typename }", "operationName": "B"}, id="pick"),
    ],
)
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
def test_well_formed_requests_are_answered_with_200_and_no_errors(subgraph, body, accept):
    response = _post(subgraph, body, accept=accept)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"__typename": "Query"}}


REQUEST_ERRORS = [
    pytest.param({"query": "{"}, id="document-parse-failure"),
    pytest.param({"query": ""}, id="empty-document"),
    pytest.param({"query": "{ f8f31403dfe404bccbb0e835f2629c6a7 }"}, id="validation-failure"),
    pytest.param({"query": "query A { __typename } query B { __typename }"}, id="several-operations-no-name"),
    pytest.param({"query": "query A { __typename }", "operationName": "B"}, id="unknown-operation-name"),
    pytest.param({"query": ENTITIES}, id="variable-missing"),
    pytest.param({"query": ENTITIES, "variables": {"r": None}}, id="variable-null"),
    pytest.param({"query": "query($n: Int!) { __typename }", "variables": {"n": 1}}, id="variable-unused"),
    pytest.param({"query": "query($d: Boolean!) { __typename @skip(if: $d) }", "variables": {"d": "x"}}, id="coerce"),
]


@pytest.mark.parametrize("body", REQUEST_ERRORS)
def test_a_request_that_never_executed_is_a_400_without_data_for_graphql_response_json(subgraph, body):
    response = _post(subgraph, body, accept=f"{GRAPHQL_RESPONSE}, {JSON};q=0.9")
    assert response.status_code == 400, response.text
    assert _media_type(response) == GRAPHQL_RESPONSE
    assert "data" not in response.json()
    assert response.json()["errors"]


@pytest.mark.parametrize("body", REQUEST_ERRORS)
def test_a_request_that_never_executed_is_a_200_with_errors_for_application_json(subgraph, body):
    response = _post(subgraph, body, accept=JSON)
    assert response.status_code == 200, response.text
    assert _media_type(response) == JSON
    assert response.json().get("data") is None
    assert response.json()["errors"]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
def test_a_field_error_during_execution_is_a_200_with_data_and_errors(subgraph, accept):
    body = {"query": ENTITIES, "variables": {"r": [{"__typename": "NoSuchType"}]}}
    response = _post(subgraph, body, accept=accept)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"_entities": [None]}
    assert response.json()["errors"][0]["path"] == ["_entities", 0]


def test_a_request_without_a_token_is_a_401(platform):
    for name in SERVICES:
        response = httpx.post(platform.service_urls[name], json=TYPENAME, headers={"accept": GRAPHQL_RESPONSE})
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer"
