"""The demo seed tells its story through events: inspection and reporting learn the demo offices from the bus,
as they would in production."""

from datetime import datetime

import pytest

from wurao_common.auth import Role
from wurao_reporting.domain.periods import CHINA

pytestmark = pytest.mark.e2e

VILLAGE, DAFANGYUAN = "431024106201", "431024106201-cwh"
# Chenzhou's city office: in the story it only approves, so nothing but its registration tells anyone of it.
CHENZHOU = "4310-dcs"
COMPLAIN = """mutation { fileComplaint(input: {kind: OTHER, officeId: "431024-dcs", place: "大方元村村委会",
  description: "督查组要求村里另行准备汛期台账"}) { __typename ... on Complaint { routedToOfficeId } } }"""
FIGURES = "query($office: ID!, $year: Int!) { officeFigures(officeId: $office, year: $year) { scope } }"


async def test_a_complaint_about_the_jiahe_county_office_is_routed_to_chenzhous_office_that_approves_it(
    platform, call, until
):
    unit = platform.keys.token(Role.UNIT, VILLAGE, unit=DAFANGYUAN)

    async def routed():
        """The seed's events may still be on their way when the platform starts: a new complaint each try."""
        complaint = (await call(COMPLAIN, {}, unit))["fileComplaint"]
        assert complaint["__typename"] == "Complaint", complaint
        return complaint["routedToOfficeId"]

    assert await until(routed, "a complaint about Jiahe's office reaches an office") == CHENZHOU


async def test_reporting_knows_a_demo_office_that_only_its_registration_announced(platform, call, until):
    observer = platform.keys.token(Role.OBSERVER, "43")
    variables = {"office": CHENZHOU, "year": datetime.now(CHINA).year}

    async def known():
        return (await call(FIGURES, variables, observer))["officeFigures"]

    assert (await until(known, "reporting learns Chenzhou's office"))["scope"] == CHENZHOU
    outside = platform.keys.token(Role.OBSERVER, "4301")
    assert (await call(FIGURES, variables, outside))["officeFigures"] is None
