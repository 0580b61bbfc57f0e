"""GET /figures/{table}.csv: a region's table for a period, one row per region inside it, UTF-8 with a BOM,
behind the same token and region rule as the API."""

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest

from wurao_common.auth import Role
from wurao_reporting import testing as t

OTHER_VILLAGE = "439901101202"


def read_csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def county(jwt_keys, region=t.OFFICE_REGION):
    return jwt_keys.bearer(Role.COUNTY_OFFICE, region, office_id=t.OFFICE)


async def test_the_visits_table_has_a_row_per_region_inside_with_last_year_beside(apply, reporting, jwt_keys):
    await apply(
        t.visit(),
        t.visit(counted=False),
        t.visit(unit=f"{OTHER_VILLAGE}-cwh", unit_region=OTHER_VILLAGE),
        t.visit(at=datetime(2025, 2, 1, tzinfo=UTC)),
    )
    response = await reporting.get(
        "/figures/visits.csv", params={"region": t.OFFICE_REGION, "period": "2026"}, headers=county(jwt_keys)
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="visits-439901-2026.csv"' in response.headers["content-disposition"]
    rows = read_csv(response.content)
    assert [row["region"] for row in rows] == [t.OFFICE_REGION, "439901101", t.UNIT_REGION, OTHER_VILLAGE]
    village = rows[2]
    assert (village["period"], village["counted"], village["counted_last_year"], village["exempt"]) == (
        "2026",
        "1",
        "1",
        "1",
    )
    assert rows[0]["counted"] == "2"


async def test_a_quarter_holds_only_its_months(apply, reporting, jwt_keys):
    await apply(t.visit())  # March
    params = {"region": t.UNIT_REGION, "period": "2026-Q1"}
    assert read_csv((await reporting.get("/figures/visits.csv", params=params, headers=county(jwt_keys))).content)
    params["period"] = "2026-Q2"
    assert read_csv((await reporting.get("/figures/visits.csv", params=params, headers=county(jwt_keys))).content) == []


async def test_the_rectification_table_shows_open_overdue_and_mean_days(apply, reporting, jwt_keys):
    item, closed, overdue = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    await apply(
        t.task_opened(closed, item_id=item),
        t.task_opened(overdue, item_id=item, deadline="2026-03-05"),
        t.task_step(
            "closed", closed, item_id=item, at=datetime(2026, 3, 6, 2, tzinfo=UTC), onTime=True, deadline="2026-03-31"
        ),
    )
    response = await reporting.get(
        "/figures/rectification.csv", params={"period": "2026-03"}, headers=county(jwt_keys)
    )  # the region defaults to the caller's
    row = read_csv(response.content)[0]
    assert row["region"] == t.OFFICE_REGION
    assert (row["opened"], row["closed_on_time"], row["still_open"], row["overdue"]) == ("2", "1", "1", "1")
    assert (row["mean_days_to_close"], row["mean_days_to_close_last_year"]) == ("4.0", "")


async def test_the_caps_table_shows_units_at_and_near_a_cap_at_the_periods_end(apply, reporting, jwt_keys):
    two_a_year = t.cap_policy(version=t.POLICY_VERSION + 4, per_level=2)
    other = {"unit": f"{OTHER_VILLAGE}-cwh", "unit_region": OTHER_VILLAGE}
    await apply(two_a_year, t.visit(), t.visit(**other), t.visit(**other))  # in March
    response = await reporting.get(
        "/figures/caps.csv", params={"region": "439901101", "period": "2026-Q2"}, headers=county(jwt_keys)
    )
    rows = {row["region"]: row for row in read_csv(response.content)}
    assert (rows["439901101"]["units_at_cap"], rows["439901101"]["units_near_cap"]) == ("1", "1")
    assert (rows[OTHER_VILLAGE]["units_at_cap"], rows[OTHER_VILLAGE]["units_at_cap_last_year"]) == ("1", "0")
    assert rows[t.UNIT_REGION]["units_near_cap"] == "1"


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/figures/visits.csv", {"region": "4301", "period": "2026"}, 403, "NOT_ALLOWED"),
        ("/figures/visits.csv", {"region": "43", "period": "2026"}, 403, "NOT_ALLOWED"),
        ("/figures/visits.csv", {"region": t.OFFICE_REGION, "period": "2026-Q5"}, 400, "BAD_USER_INPUT"),
        ("/figures/visits.csv", {"region": "4399x", "period": "2026"}, 400, "BAD_USER_INPUT"),
        # digits of another script, a trailing newline: both once reached the file name in a header (a 500)
        ("/figures/visits.csv", {"region": t.OFFICE_REGION, "period": "٢٠٢٦"}, 400, "BAD_USER_INPUT"),
        ("/figures/visits.csv", {"region": t.OFFICE_REGION, "period": "2026\n"}, 400, "BAD_USER_INPUT"),
        ("/figures/secrets.csv", {"region": t.OFFICE_REGION, "period": "2026"}, 404, "NOT_FOUND"),
    ],
)
async def test_a_table_outside_the_callers_region_or_malformed_is_refused_clearly(
    reporting, jwt_keys, path, params, status, code
):
    response = await reporting.get(path, params=params, headers=county(jwt_keys))
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_no_token_no_table(reporting):
    response = await reporting.get("/figures/visits.csv", params={"period": "2026"})
    assert response.status_code == 401
