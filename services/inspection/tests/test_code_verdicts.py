"""A code's signature is checked once per token; what can change about a code is judged on every scan.
Real PostgreSQL and Redis."""

from datetime import datetime

from wurao_common import codes
from wurao_inspection.domain.periods import CHINA
from wurao_inspection.domain.scan import Expired, Forged, Revoked, Valid
from wurao_inspection.usecases.scan import verify_code


async def test_a_remembered_genuine_code_is_still_refused_once_revoked_or_expired(deps, plan, as_unit, now):
    unit_id = await plan.unit()
    coded = await plan.item()
    assert isinstance(await verify_code(deps, as_unit(unit_id), coded.code, now=now), Valid)

    await plan.revoke(coded.item_id)
    assert isinstance(await verify_code(deps, as_unit(unit_id), coded.code, now=now), Revoked)

    other = await plan.item()
    assert isinstance(await verify_code(deps, as_unit(unit_id), other.code, now=now), Valid)
    after_expiry = datetime(2027, 1, 2, tzinfo=CHINA)
    assert isinstance(await verify_code(deps, as_unit(unit_id), other.code, now=after_expiry), Expired)


async def test_a_forged_code_is_never_remembered_as_genuine(deps, plan, as_unit, now):
    unit_id = await plan.unit()
    coded = await plan.item()
    forged = coded.code[:-2] + ("AA" if not coded.code.endswith("AA") else "BB")
    for _ in range(2):
        assert isinstance(await verify_code(deps, as_unit(unit_id), forged, now=now), Forged)
    assert isinstance(await deps.keys.verify(coded.code), codes.CodeClaims)
