"""The offices and units of the source articles (seeds/): Jiahe county, Changsha's Wangcheng, Hengyang."""

from __future__ import annotations

import asyncpg

# (id, name, level, kind, region, approver, yearly baseline)
OFFICES = [
    ("43-dcs", "湖南省委督查室", "province", "supervision", "43", None, 40),
    ("4301-dcs", "长沙市委督查室", "city", "supervision", "4301", "43-dcs", 30),
    ("4304-dcs", "衡阳市委督查室", "city", "supervision", "4304", "43-dcs", 30),
    ("4310-dcs", "郴州市委督查室", "city", "supervision", "4310", "43-dcs", 30),
    ("430112-dcs", "望城区委督查室", "county", "supervision", "430112", "4301-dcs", 20),
    ("431024-dcs", "嘉禾县委督查室", "county", "supervision", "431024", "4310-dcs", 20),
    ("431024-yjj", "嘉禾县应急管理局", "county", "department", "431024", "431024-dcs", 8),
]

# (id, name, kind, region)
UNITS = [
    ("431024106201-cwh", "大方元村村民委员会", "village_committee", "431024106201"),
    ("431024106-zf", "龙潭镇人民政府", "township_government", "431024106"),
    ("431024103-zf", "袁家镇人民政府", "township_government", "431024103"),
    ("430112-jkq", "望城经济技术开发区", "park", "430112"),
    ("430421101201-cwh", "衡阳县集兵镇太栗村村民委员会", "village_committee", "430421101201"),
]


async def load_demo(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await conn.executemany(
            """INSERT INTO offices (id, name, level, kind, region_code, approver_office_id, yearly_baseline)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING""",
            OFFICES,
        )
        await conn.executemany(
            "INSERT INTO units (id, name, kind, region_code) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
            UNITS,
        )
