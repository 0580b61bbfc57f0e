"""regionFigures, officeFigures, unitFigures: every event counted once in every scope it concerns, compared with
the year before, and shown only to callers whose region reaches the scope."""

import uuid
from datetime import UTC, datetime

import pytest

from wurao_common.auth import Role
from wurao_common.testing import graphql
from wurao_reporting import testing as t

FIGURES = """query($region: String!, $year: Int!) {
  regionFigures(region: $region, year: $year) {
    scopeKind scope year visits visitsLastYear changeFromLastYear changePercentFromLastYear
    wholeYear { period visits { counted { value } exempt { value } emergency { value } late { value } }
      items { planned { value } approved { value } coded { value } completed { value } filed { value }
              emergencyFiled { value } }
      refusals { total { value } parts { key value } }
      findings { total { value } parts { key value } }
      complaints { total { value } parts { key value } }
      rectification { opened { value } stillOpen { value } overdue { value } closedOnTime { value }
                      closedLate { value } meanDaysToClose { value lastYear } } }
    quarters { period visits { counted { value lastYear change changePercent } } }
    months { period visits { counted { value } } }
  }
}"""
LAST_YEAR = datetime(2025, 3, 9, 2, 0, tzinfo=UTC)


def headers(jwt_keys, role=Role.COUNTY_OFFICE, region=t.OFFICE_REGION, **claims):
    return jwt_keys.bearer(role, region, **({"office_id": t.OFFICE} | claims))


async def figures_of(reporting, jwt_keys, scope, year=2026, **who) -> dict | None:
    body = await graphql(reporting, FIGURES, {"region": scope, "year": year}, headers=headers(jwt_keys, **who))
    assert "errors" not in body, body
    return body["data"]["regionFigures"]


def parts(breakdown: dict) -> dict[str, int]:
    return {part["key"]: part["value"] for part in breakdown["parts"]}


async def test_visits_count_in_every_region_above_the_unit_and_compare_with_last_year(apply, reporting, jwt_keys):
    await apply(t.visit(), t.visit(), t.visit(counted=False), t.visit(at=LAST_YEAR))
    for region in ("4399", t.OFFICE_REGION, "439901101", t.UNIT_REGION):
        found = await figures_of(reporting, jwt_keys, region, role=Role.CITY_OFFICE, region=t.CITY)
        assert found["visits"] == 2, region
        assert (found["visitsLastYear"], found["changeFromLastYear"], found["changePercentFromLastYear"]) == (
            1,
            1,
            100.0,
        )
        assert found["wholeYear"]["visits"]["exempt"]["value"] == 1
    neighbour = await figures_of(reporting, jwt_keys, "439902", role=Role.CITY_OFFICE, region=t.CITY)
    assert neighbour["visits"] == 0  # a county next door


async def test_a_redelivered_event_counts_once(apply, reporting, jwt_keys):
    visit = t.visit()
    assert await apply(visit, visit) == [True, False]
    assert (await figures_of(reporting, jwt_keys, t.UNIT_REGION))["visits"] == 1


async def test_quarters_and_months_split_the_year_in_china_time(apply, reporting, jwt_keys):
    new_year_morning = datetime(2025, 12, 31, 17, 0, tzinfo=UTC)  # 1 January 2026, 01:00 in China
    await apply(t.visit(at=new_year_morning), t.visit(at=datetime(2026, 5, 1, 2, 0, tzinfo=UTC)))
    found = await figures_of(reporting, jwt_keys, t.OFFICE_REGION)
    assert [q["visits"]["counted"]["value"] for q in found["quarters"]] == [1, 1, 0, 0]
    assert [m["period"] for m in found["months"]][:2] == ["2026-01", "2026-02"]
    assert [m["visits"]["counted"]["value"] for m in found["months"]][:5] == [1, 0, 0, 0, 1]
    assert found["quarters"][0]["visits"]["counted"] == {"value": 1, "lastYear": 0, "change": 1, "changePercent": None}


async def test_items_refusals_findings_complaints_and_tasks_are_counted(apply, reporting, jwt_keys):
    item = str(uuid.uuid4())
    filed = str(uuid.uuid4())
    task, late_task = str(uuid.uuid4()), str(uuid.uuid4())
    closed_at = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)
    await apply(
        t.item_event("plan.item.drafted", item),
        t.item_event("plan.item.approved", item),
        t.item_event("plan.item.coded", item),
        t.item_event("plan.filing.submitted", filed, planId=None, emergency=True, filingId=str(uuid.uuid4())),
        t.refusal("no_code"),
        t.refusal("cap_reached", item_id=item),
        t.refusal("cap_reached", item_id=item),
        t.finding(item_id=item, severity="high"),
        t.complaint("over_cap", item_id=item),
        t.task_opened(task, item_id=item),
        t.task_opened(late_task, item_id=item, deadline="2026-03-05"),
        t.task_step("closed", task, item_id=item, at=closed_at, onTime=True, deadline="2026-03-31"),
        t.item_event("plan.item.completed", item, at=closed_at),
    )
    year = (await figures_of(reporting, jwt_keys, t.OFFICE_REGION))["wholeYear"]
    items = {name: figure["value"] for name, figure in year["items"].items()}
    assert items == {"planned": 1, "approved": 1, "coded": 1, "completed": 1, "filed": 1, "emergencyFiled": 1}
    assert year["refusals"]["total"]["value"] == 3
    assert parts(year["refusals"]) == {
        "no_code": 1,
        "code_invalid": 0,
        "cap_reached": 2,
        "out_of_scope": 0,
        "negative_list_breach": 0,
    }
    assert parts(year["findings"]) == {"low": 0, "medium": 0, "high": 1}
    assert parts(year["complaints"])["over_cap"] == 1
    tasks = year["rectification"]
    assert (tasks["opened"]["value"], tasks["stillOpen"]["value"], tasks["overdue"]["value"]) == (2, 1, 1)
    assert (tasks["closedOnTime"]["value"], tasks["closedLate"]["value"]) == (1, 0)
    assert tasks["meanDaysToClose"] == {"value": 10.0, "lastYear": None}


async def test_open_and_overdue_tasks_count_each_open_task_once_in_every_scope_and_a_closed_one_nowhere(
    apply, reporting, jwt_keys
):
    item = str(uuid.uuid4())
    open_task, overdue, closed = (str(uuid.uuid4()) for _ in range(3))
    await apply(
        t.visit(item_id=item),  # reporting learns the office's and the unit's regions from it
        t.task_opened(open_task, item_id=item, deadline="2100-01-01"),
        t.task_opened(overdue, item_id=item, deadline="2026-03-05"),
        t.task_opened(overdue, item_id=item, deadline="2026-03-05"),  # told again (another event): still one task
        t.task_opened(closed, item_id=item, deadline="2026-03-05"),
        t.task_step("closed", closed, item_id=item, onTime=False, deadline="2026-03-05"),
        t.task_step("closed", closed, item_id=item, onTime=False, deadline="2026-03-05"),  # closed twice: once
        t.task_step("closed", str(uuid.uuid4()), item_id=item, onTime=True, deadline="2026-03-31"),  # never seen open
    )
    states = "rectification { stillOpen { value } overdue { value } }"
    query = f"""query($r: String!, $o: ID!, $u: ID!) {{
      regionFigures(region: $r, year: 2026) {{ months {{ {states} }} }}
      officeFigures(officeId: $o, year: 2026) {{ wholeYear {{ {states} }} }}
      unitFigures(unitId: $u, year: 2026) {{ wholeYear {{ {states} }} }} }}"""
    for region in ("4399", t.OFFICE_REGION, "439901101", t.UNIT_REGION):
        body = await graphql(
            reporting, query, {"r": region, "o": t.OFFICE, "u": t.UNIT}, headers=headers(jwt_keys, region=t.CITY)
        )
        assert "errors" not in body, body
        found = body["data"]
        march = found["regionFigures"]["months"][2]["rectification"]
        assert (march["stillOpen"]["value"], march["overdue"]["value"]) == (2, 1), region
        for scope in ("officeFigures", "unitFigures"):
            year = found[scope]["wholeYear"]["rectification"]
            assert (year["stillOpen"]["value"], year["overdue"]["value"]) == (2, 1), scope


async def test_an_approved_extension_moves_an_open_tasks_deadline_and_leaves_a_closed_task_closed(
    apply, reporting, jwt_keys
):
    item = str(uuid.uuid4())
    extended, still_late, closed = (str(uuid.uuid4()) for _ in range(3))
    extension = {"previousDeadline": "2026-03-05"}
    await apply(
        t.visit(item_id=item),
        *(t.task_opened(task, item_id=item, deadline="2026-03-05") for task in (extended, still_late, closed)),
        t.task_step("extension_approved", extended, item_id=item, deadline="2100-01-01", **extension),
        t.task_step("extension_approved", still_late, item_id=item, deadline="2026-03-20", **extension),
        t.task_step("closed", closed, item_id=item, onTime=False, deadline="2026-03-05"),
        t.task_step("extension_approved", closed, item_id=item, deadline="2100-01-01", **extension),
    )
    for region in (t.OFFICE_REGION, t.UNIT_REGION):
        tasks = (await figures_of(reporting, jwt_keys, region))["wholeYear"]["rectification"]
        assert (tasks["stillOpen"]["value"], tasks["overdue"]["value"]) == (2, 1), region


async def test_complaints_are_not_shown_below_the_county(apply, reporting, jwt_keys):
    await apply(t.complaint("other"))
    assert (await figures_of(reporting, jwt_keys, t.OFFICE_REGION))["wholeYear"]["complaints"]["total"]["value"] == 1
    village = await figures_of(reporting, jwt_keys, t.UNIT_REGION)
    assert village["wholeYear"]["complaints"]["total"]["value"] == 0


# Regions outside each role's caller of t.CALLERS: another province, another city, and the region just above its own
# (written out here, not worked out with the region rule under test).
OUTSIDE = {
    Role.PROVINCE_OFFICE: ["44"],
    Role.CITY_OFFICE: ["44", "4301", "43"],
    Role.COUNTY_OFFICE: ["44", "4301", t.CITY],
    Role.INSPECTOR: ["44", "4301", t.CITY],
    Role.UNIT: ["44", "4301", "439901101"],
    Role.OBSERVER: ["44", "4301", "43"],
}


@pytest.mark.parametrize("role", list(t.CALLERS))
async def test_every_role_sees_figures_of_its_own_region_and_none_elsewhere(role, apply, reporting, jwt_keys):
    await apply(t.visit())
    caller = t.CALLERS[role]
    claims = {"office_id": caller.office_id} if caller.office_id else {"unit_id": caller.unit_id}
    who = {"role": role, "region": caller.region, **claims}
    own = await graphql(reporting, FIGURES, {"region": caller.region, "year": 2026}, headers=jwt_keys.bearer(**who))
    assert own["data"]["regionFigures"]["visits"] >= 1
    for outside in OUTSIDE[role]:
        refused = await graphql(reporting, FIGURES, {"region": outside, "year": 2026}, headers=jwt_keys.bearer(**who))
        assert refused == {"data": {"regionFigures": None}}, (role, outside)


async def test_a_unit_reads_its_own_figures_and_no_other_units_even_beside_it(apply, reporting, jwt_keys):
    neighbour = "439901101201-jmxz"  # another unit of the same village
    await apply(t.visit(), t.visit(unit=neighbour))
    query = "query($u: ID!) { unitFigures(unitId: $u, year: 2026) { visits } }"

    def unit(unit_id: str, region: str = t.UNIT_REGION) -> dict[str, str]:
        return jwt_keys.bearer(Role.UNIT, region, unit_id=unit_id)

    own = await graphql(reporting, query, {"u": t.UNIT}, headers=unit(t.UNIT))
    assert own["data"] == {"unitFigures": {"visits": 1}}
    for caller in (unit(neighbour), unit("439901101-zf", region="439901101")):  # beside it, or the township above
        assert (await graphql(reporting, query, {"u": t.UNIT}, headers=caller))["data"] == {"unitFigures": None}
    office = await graphql(reporting, query, {"u": neighbour}, headers=headers(jwt_keys))
    assert office["data"] == {"unitFigures": {"visits": 1}}  # offices over its region read every unit's


async def test_office_and_unit_figures_follow_the_same_region_rule(apply, reporting, jwt_keys):
    await apply(t.visit())
    query = """query($o: ID!, $u: ID!) { officeFigures(officeId: $o, year: 2026) { visits }
                                        unitFigures(unitId: $u, year: 2026) { visits } }"""
    ids = {"o": t.OFFICE, "u": t.UNIT}
    mine = await graphql(reporting, query, ids, headers=headers(jwt_keys))
    assert mine["data"] == {"officeFigures": {"visits": 1}, "unitFigures": {"visits": 1}}
    outside = await graphql(reporting, query, ids, headers=headers(jwt_keys, region="430112", office_id="430112-dcs"))
    assert outside["data"] == {"officeFigures": None, "unitFigures": None}


@pytest.mark.parametrize(
    ("region", "year", "message"),
    [("4", 2026, "region must be a GB/T 2260 code"), ("43a0", 2026, "region must"), ("43", 1900, "year must")],
)
async def test_a_malformed_region_or_year_is_a_clear_client_error(reporting, jwt_keys, region, year, message):
    body = await graphql(reporting, FIGURES, {"region": region, "year": year}, headers=headers(jwt_keys, region="43"))
    assert body["data"] == {"regionFigures": None}
    assert message in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_event_reporting_cannot_read_is_consumed_without_effect(apply, reporting, jwt_keys):
    broken = t.visit()
    del broken.data["counted"]
    unreadable_time = t.refusal()
    unreadable_time.data["refusedAt"] = "yesterday"
    assert await apply(broken, unreadable_time, t.visit()) == [True, True, True]
    assert (await figures_of(reporting, jwt_keys, t.UNIT_REGION))["visits"] == 1
    assert await apply(broken) == [False]  # consumed: never redelivered into an endless retry


async def test_an_item_reopened_and_completed_again_counts_as_completed_once(apply, reporting, jwt_keys):
    item = str(uuid.uuid4())
    code = {"codeNumber": "XD439901-26-00002"}
    await apply(
        t.item_event("plan.item.approved", item),
        t.event("plan.item.completed", t.OFFICE_REGION, {"itemId": item, "officeId": t.OFFICE, **code}),
        t.event("plan.item.reopened", t.OFFICE_REGION, {"itemId": item, "officeId": t.OFFICE, **code}),
    )
    year = (await figures_of(reporting, jwt_keys, t.OFFICE_REGION))["wholeYear"]
    assert year["items"]["completed"]["value"] == 0
    await apply(t.event("plan.item.completed", t.OFFICE_REGION, {"itemId": item, "officeId": t.OFFICE, **code}))
    year = (await figures_of(reporting, jwt_keys, t.OFFICE_REGION))["wholeYear"]
    assert year["items"]["completed"]["value"] == 1


async def test_a_joint_visit_counts_once_for_the_unit_and_its_regions_and_once_for_each_office(
    apply, reporting, jwt_keys
):
    joint = str(uuid.uuid4())
    await apply(
        t.visit(jointVisitId=joint, countsTowardUnit=True),
        t.visit(officeId="439901-zfb", jointVisitId=joint, countsTowardUnit=False),
    )
    query = """query($o: ID!, $other: ID!, $u: ID!) { regionFigures(region: "439901", year: 2026) { visits }
        officeFigures(officeId: $o, year: 2026) { visits } other: officeFigures(officeId: $other, year: 2026) { visits }
        unitFigures(unitId: $u, year: 2026) { visits } }"""
    ids = {"o": t.OFFICE, "other": "439901-zfb", "u": t.UNIT}
    found = await graphql(reporting, query, ids, headers=headers(jwt_keys))
    assert found["data"] == {
        "regionFigures": {"visits": 1},
        "officeFigures": {"visits": 1},
        "other": {"visits": 1},
        "unitFigures": {"visits": 1},
    }


async def test_check_ins_refused_at_a_cap_are_counted_where_caps_bite(apply, reporting, jwt_keys):
    capped = t.event(
        "inspection.check_in.capped",
        t.UNIT_REGION,
        {
            "refusalId": str(uuid.uuid4()),
            "unitId": t.UNIT,
            "unitRegion": t.UNIT_REGION,
            "itemId": str(uuid.uuid4()),
            "officeId": t.OFFICE,
            "registration": "on_site",
            "exhausted": [{"scope": "level", "level": "county", "period": "2026", "used": 3, "allowed": 3}],
            "refusedAt": t.AT.isoformat(),
        },
    )
    await apply(capped, t.visit())
    query = """{ regionFigures(region: "439901", year: 2026) { wholeYear { visits { counted { value } capped { value } }
                 refusals { total { value } } } } }"""
    found = await graphql(reporting, query, headers=headers(jwt_keys))
    whole = found["data"]["regionFigures"]["wholeYear"]
    assert whole["visits"] == {"counted": {"value": 1}, "capped": {"value": 1}}
    assert whole["refusals"]["total"]["value"] == 0, "a capped check-in is not a unit's refusal"


async def test_concluded_complaints_are_counted_by_outcome(apply, reporting, jwt_keys):
    def concluded(outcome: str):
        data = {
            "complaintId": str(uuid.uuid4()),
            "kind": "over_cap",
            "unitRegion": t.UNIT_REGION,
            "officeId": t.OFFICE,
            "itemId": None,
            "routedToOfficeId": "4399-dcs",
            "status": outcome,
            "outcome": outcome,
            "at": t.AT.isoformat(),
        }
        return t.event("inspection.complaint.concluded", t.UNIT_REGION, data)

    await apply(concluded("substantiated"), concluded("substantiated"), concluded("unfounded"))
    query = """{ regionFigures(region: "439901", year: 2026) { wholeYear {
                 complaintOutcomes { total { value } parts { key value } } } } }"""
    found = await graphql(reporting, query, headers=headers(jwt_keys))
    outcomes = found["data"]["regionFigures"]["wholeYear"]["complaintOutcomes"]
    assert parts(outcomes) == {"substantiated": 2, "unfounded": 1}


async def test_a_region_held_in_memory_for_a_caller_inside_it_is_still_refused_to_callers_outside_it(
    apply, reporting, jwt_keys
):
    await apply(t.visit())
    province = {"role": Role.PROVINCE_OFFICE, "region": "43", "office_id": "43-dcs"}
    for _ in range(2):  # the second read is served from the replica's memory
        assert (await figures_of(reporting, jwt_keys, "43", **province))["visits"] >= 1
        assert (await figures_of(reporting, jwt_keys, t.CITY, **province))["visits"] == 1
    assert await figures_of(reporting, jwt_keys, "43") is None  # a county office
    assert await figures_of(reporting, jwt_keys, t.CITY) is None
    neighbour = {"role": Role.COUNTY_OFFICE, "region": "439902", "office_id": "439902-dcs"}
    assert await figures_of(reporting, jwt_keys, t.OFFICE_REGION, **neighbour) is None
