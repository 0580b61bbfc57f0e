"""Ids are checked before they reach SQL: only the spelling PostgreSQL takes for a uuid parameter passes as a UUID
(uuid.UUID also takes braces, `urn:uuid:` and underscores, which asyncpg refused, failing the whole query), and a
region code is 2, 4, 6, 9 or 12 ASCII digits, nothing after them."""

import uuid

import pytest

from wurao_common.ids import is_region_code, is_uuid, uuids

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


@pytest.mark.parametrize("code", ["43", "4310", "431024", "431024106", "431024106201"])
def test_a_region_code_of_each_depth_is_one(code):
    assert is_region_code(code)


@pytest.mark.parametrize("code", ["4", "43102", "4310241", "4310241062011", "431024\n", "٤٣", "43a1", "", None, 43])
def test_anything_else_is_no_region_code(code):
    assert not is_region_code(code)
