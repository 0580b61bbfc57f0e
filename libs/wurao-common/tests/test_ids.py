"""Ids are checked before they reach SQL: only the spelling PostgreSQL takes for a uuid parameter passes as a UUID
(uuid.UUID also takes braces, `urn:uuid:` and underscores, which asyncpg refused, failing the whole query)."""

import uuid

import pytest

from wurao_common.ids import is_uuid, uuids

ISSUED = str(uuid.uuid4())


@pytest.mark.parametrize("text", [ISSUED, ISSUED.upper(), "00000000-0000-0000-0000-000000000000"])
def test_a_uuid_as_we_issue_it_is_one(text):
    assert is_uuid(text)


@pytest.mark.parametrize(
    "text",
    [
        "{" + ISSUED + "}",
        "urn:uuid:" + ISSUED,
        "0000000_000000000000000000000000",
        ISSUED.replace("-", ""),
        ISSUED + "\n",
        " " + ISSUED,
        ISSUED[:-1] + "g",
        "",
        None,
        42,
    ],
)
def test_any_other_spelling_is_not(text):
    assert not is_uuid(text)


def test_uuids_keeps_only_those_that_can_name_a_row():
    assert uuids([ISSUED, "{" + ISSUED + "}", "nope"]) == [uuid.UUID(ISSUED)]
