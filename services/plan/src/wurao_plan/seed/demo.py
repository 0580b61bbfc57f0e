"""The directory of the source articles (seeds/): Jiahe county, Changsha's Wangcheng, Hengyang.

Every office and unit goes through the use cases, so its event goes out and every service learns the demo world
from the bus: the province's office is established as configuration, each office below is registered by the
supervision office above it (a department by its own county's), each unit by its office.
"""

from __future__ import annotations

import asyncpg

from wurao_common.outcomes import Conflict
from wurao_plan.domain.offices import Office, OfficeKind
from wurao_plan.domain.units import Unit, UnitKind
from wurao_plan.seed.staff import expect, staff
from wurao_plan.usecases.directory import establish_province_office, register_office, register_unit

# The counties whose townships and villages the story needs (tests load only these below county level).
STORY_COUNTIES = ("431024", "430112", "430421", "430422")

# (id, name, region, yearly baseline)
PROVINCE_OFFICE = ("43-dcs", "湖南省委督查室", "43", 40)

# In registration order: (id, name, kind, region, yearly baseline, registering office); approvers by the default
# rule (the supervision office one level up; for a department, its own county's).
OFFICES = [
    ("4301-dcs", "长沙市委督查室", OfficeKind.SUPERVISION, "4301", 30, "43-dcs"),
    ("4304-dcs", "衡阳市委督查室", OfficeKind.SUPERVISION, "4304", 30, "43-dcs"),
    ("4310-dcs", "郴州市委督查室", OfficeKind.SUPERVISION, "4310", 30, "43-dcs"),
    ("430112-dcs", "望城区委督查室", OfficeKind.SUPERVISION, "430112", 20, "4301-dcs"),
    ("431024-dcs", "嘉禾县委督查室", OfficeKind.SUPERVISION, "431024", 20, "4310-dcs"),
    ("431024-yjj", "嘉禾县应急管理局", OfficeKind.DEPARTMENT, "431024", 8, "431024-dcs"),
    ("430421-dcs", "衡阳县委督查室", OfficeKind.SUPERVISION, "430421", 12, "4304-dcs"),
    ("430422-dcs", "衡南县委督查室", OfficeKind.SUPERVISION, "430422", 12, "4304-dcs"),
]

# (id, name, kind, region, registering office): ids are kept stable for other services' fixtures and tokens.
UNITS = [
    ("431024106201-cwh", "大方元村村民委员会", UnitKind.VILLAGE_COMMITTEE, "431024106201", "431024-dcs"),
    ("431024106-zf", "龙潭镇人民政府", UnitKind.TOWNSHIP_GOVERNMENT, "431024106", "431024-dcs"),
    ("431024103-zf", "袁家镇人民政府", UnitKind.TOWNSHIP_GOVERNMENT, "431024103", "431024-dcs"),
    ("431024103227-cwh", "行村村村民委员会", UnitKind.VILLAGE_COMMITTEE, "431024103227", "431024-dcs"),
    ("430112-jkq", "望城经济技术开发区", UnitKind.PARK, "430112", "430112-dcs"),
    ("430112-jcxc", "吉成新材项目部", UnitKind.ENTERPRISE, "430112", "430112-dcs"),
    ("430421101-zf", "集兵镇人民政府", UnitKind.TOWNSHIP_GOVERNMENT, "430421101", "4304-dcs"),
    ("430421101201-cwh", "衡阳县集兵镇太栗村村民委员会", UnitKind.VILLAGE_COMMITTEE, "430421101201", "4304-dcs"),
    ("430421101200-cwh", "衡阳县集兵镇集兵村村民委员会", UnitKind.VILLAGE_COMMITTEE, "430421101200", "4304-dcs"),
]


async def load_demo(conn: asyncpg.Connection) -> None:
    """Idempotent: what exists already is left as it is, and announced only once."""
    office_id, name, region, baseline = PROVINCE_OFFICE
    outcome = await establish_province_office(
        conn, office_id=office_id, name=name, region=region, yearly_baseline=baseline, by="seed"
    )
    if not isinstance(outcome, Conflict):  # a conflict: established by an earlier run
        expect(outcome, Office)
    for office_id, name, kind, region, baseline, registrar in OFFICES:
        outcome = await register_office(
            conn,
            staff(registrar, "directory"),
            office_id=office_id,
            name=name,
            kind=kind,
            region=region,
            yearly_baseline=baseline,
        )
        if not isinstance(outcome, Conflict):
            expect(outcome, Office)
    for unit_id, name, kind, region, office_id in UNITS:
        outcome = await register_unit(conn, staff(office_id, "directory"), name, kind, region, unit_id=unit_id)
        if not isinstance(outcome, Conflict):
            expect(outcome, Unit)
