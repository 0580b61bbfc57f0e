"""Request ids are each caller's own, for one operation; the migrations compute the same keys as the code."""

import pytest

from wurao_common import db
from wurao_common.auth import Caller, Role
from wurao_common.request_ids import callers_own, request_key
from wurao_common.service import BUS_MIGRATIONS

CLERK = Caller(subject="clerk-wang", role=Role.UNIT, region="431024106201", unit_id="431024106201-cwh")


def test_a_retry_by_the_caller_has_the_key_of_its_first_request():
    assert callers_own(CLERK, "complaint", "r-1") == callers_own(CLERK, "complaint", "r-1")


@pytest.mark.parametrize(
    "other",
    [
        ("another person of the unit", Caller("clerk-li", Role.UNIT, "431024106201", unit_id="431024106201-cwh")),
        (
            "the same person for another unit",
            Caller("clerk-wang", Role.UNIT, "431024106202", unit_id="431024106202-cwh"),
        ),
        ("an inspector", Caller("clerk-wang", Role.INSPECTOR, "431024", office_id="431024-dcs")),
    ],
    ids=lambda other: other[0],
)
def test_the_same_request_id_from_another_caller_is_another_request(other):
    assert callers_own(other[1], "complaint", "r-1") != callers_own(CLERK, "complaint", "r-1")


def test_the_same_request_id_for_another_operation_is_another_request():
    assert callers_own(CLERK, "refusal", "r-1") != callers_own(CLERK, "complaint", "r-1")


def test_no_part_of_a_key_runs_into_the_next():
    assert request_key("unit:a", "b:c", "op", "r") != request_key("unit:a", "b", "c:op", "r")
    assert request_key("unit:a", "b\x1fop", "x", "r") != request_key("unit:a", "b", "op\x1fx", "r")


async def test_the_migrations_compute_the_key_the_code_does(pool):
    await db.migrate(pool, {"bus": BUS_MIGRATIONS})
    parts = [
        ("unit:431024106201-cwh", "clerk-wang", "check_in", "6f1c2d1e-6a0b-4f9e-9a43-2c1d3f5e7a90"),
        ("office:431024-dcs", "督查室:李四", "task.verified", "重试 \x1f r-1 ✓"),
    ]
    for party, subject, operation, request_id in parts:
        stored = f"{party}\x1f{request_id}"  # as a key was stored when it was scoped to the party alone
        keys = await pool.fetchrow(
            "SELECT request_key($1, $2, $3, $4), rescoped_request_key($5, $2, $3)",
            party,
            subject,
            operation,
            request_id,
            stored,
        )
        assert list(keys.values()) == [request_key(party, subject, operation, request_id)] * 2
