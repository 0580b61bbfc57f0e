"""A code's signature is checked once per token; what can change about a code is judged on every scan.
Real PostgreSQL and Redis."""

import uuid
from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wurao_common import codes, db
from wurao_common.mirror import RowChanges
from wurao_common.testing import Hearing
from wurao_inspection.adapters.keys import SigningKeys
from wurao_inspection.domain.caps import CapScope
from wurao_inspection.domain.items import Level
from wurao_inspection.domain.periods import CHINA
from wurao_inspection.domain.scan import Expired, Forged, OutOfScope, Revoked, Valid
from wurao_inspection.domain.visits import Visit
from wurao_inspection.usecases.deps import Deps
from wurao_inspection.usecases.scan import verify_code
from wurao_inspection.usecases.visits import check_in


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


async def test_forged_codes_cost_no_query_and_a_new_key_is_looked_for_at_most_once_a_second(database_url, plan, now):
    """A bad signature under a held key is forged without asking PostgreSQL (a key id keeps its key), and codes
    naming keys not held share one look a second: forging codes cannot turn into a query each. The keys here read
    through their own pool, closed once they hold key 1, so any query would raise instead of answering."""
    coded = await plan.item()
    own = await db.create_pool(database_url, min_size=1, max_size=1)
    keys = SigningKeys(own, reload_every=3600)
    assert (await keys.verify(coded.code)).key_id == plan.key_id
    await own.close()

    tampered = coded.code[:-2] + ("AA" if not coded.code.endswith("AA") else "BB")
    newer = Ed25519PrivateKey.generate()
    await plan.publish(
        "plan.signing_key.published",
        {"keyId": 2, "publicKey": codes.public_key_text(newer.public_key()), "publishedAt": now.isoformat()},
    )
    claims = codes.CodeClaims(key_id=2, item_id=uuid.uuid4(), not_before=now, expires=now + timedelta(days=30))
    under_key_2 = codes.sign(newer, 2, claims)
    for forged in (tampered, under_key_2):
        with pytest.raises(codes.ForgedCode):
            await keys.verify(forged)

    looking_again = SigningKeys(plan.pool, reload_every=0)
    assert (await looking_again.verify(coded.code)).key_id == plan.key_id
    found = await looking_again.verify(under_key_2)
    assert (found.key_id, found.item_id) == (2, claims.item_id), "looked for again, a key published since is found"


async def test_a_scan_shows_what_postgresql_counts_for_the_counters_redis_does_not_hold(deps, plan, as_unit, now):
    """Where Redis holds no counter, a scan shows what PostgreSQL counts of the unit's visits: never zero for a
    unit that was visited, and a cap reached is shown as reached."""
    await plan.policy(version=2, county=3, across=10)
    unit_id = await plan.unit()
    first, second, third = [await plan.item() for _ in range(3)]
    caller = as_unit(unit_id)
    for coded in (first, second):
        assert isinstance(await check_in(deps, caller, coded.code, now=now), Visit)
    await deps.counters.redis.flushall()

    scan = await verify_code(deps, caller, third.code, now=now)
    assert isinstance(scan, Valid)
    used = {(entry.counter.scope, entry.counter.level): entry.used for entry in scan.standing}
    assert used[CapScope.LEVEL, Level.COUNTY] == 2
    assert used[CapScope.ACROSS_LEVELS, None] == 2
    assert used[CapScope.ITEM, None] == 0
    assert [entry.counter.key for entry in (await verify_code(deps, caller, first.code, now=now)).exhausted] == [
        f"wurao:cap:{{{unit_id}}}:item:{first.item_id}"
    ]
    assert [key async for key in deps.counters.redis.scan_iter(match="wurao:cap:*")] == [], "a scan writes no counter"


async def test_a_scan_remembers_what_postgresql_counts_until_a_check_in_writes_the_counter(deps, plan, as_unit, now):
    """Where Redis holds no counter, the next scans show the count the first one read from PostgreSQL (remembered
    in Redis beside the counter, for display only); once a check-in writes a counter, the counter is shown."""
    unit_id = await plan.unit()
    first, second = await plan.item(), await plan.item()
    caller = as_unit(unit_id)
    redis = deps.counters.redis

    def used(scan) -> dict[tuple, int]:
        return {(entry.counter.scope, entry.counter.level): entry.used for entry in scan.standing}

    scan = await verify_code(deps, caller, first.code, now=now)
    remembered = {
        (entry.counter.scope, entry.counter.level): "wurao:shown" + entry.counter.key.removeprefix("wurao:cap")
        for entry in scan.standing
    }
    assert set(used(scan).values()) == {0}
    assert {shown: await redis.get(key) for shown, key in remembered.items()} == dict.fromkeys(remembered, "0")
    item = (CapScope.ITEM, None)
    await redis.set(remembered[item], 7)  # what the next scan shows comes from Redis, not PostgreSQL
    assert used(await verify_code(deps, caller, first.code, now=now))[item] == 7

    assert isinstance(await check_in(deps, caller, second.code, now=now), Visit)  # writes the county's counters
    shown = used(await verify_code(deps, caller, first.code, now=now))
    assert shown[CapScope.LEVEL, Level.COUNTY] == shown[CapScope.ACROSS_LEVELS, None] == 1
    assert shown[item] == 7
    assert await redis.get(remembered[CapScope.LEVEL, Level.COUNTY]) == "0"  # remembered, no longer shown


async def test_a_change_committed_through_one_replica_is_judged_by_every_replica_that_held_the_facts(
    migrated, cap_counters, plan, as_unit, now
):
    """Each replica holds coded items, units and cap policies in memory while it listens for their changes: a
    revocation or a unit moved elsewhere, consumed by any replica, is judged on every replica's next scan once it
    heard of the change."""
    replicas = [Deps(pool=migrated, counters=cap_counters, keys=SigningKeys(migrated)) for _ in range(2)]
    hearings = []
    for deps in replicas:
        changes = RowChanges()
        deps.reference.watch(changes)
        hearings.append(Hearing(changes, migrated))
    unit_id = await plan.unit()
    revoked, kept = await plan.item(), await plan.item()
    async with hearings[0].listening(), hearings[1].listening():
        for deps in replicas:
            for coded in (revoked, kept):
                assert isinstance(await verify_code(deps, as_unit(unit_id), coded.code, now=now), Valid)

        await plan.revoke(revoked.item_id)
        await plan.unit(unit_id, region="430112101201")  # registered again, outside the item's scope
        moved = as_unit(unit_id, region="430112101201")  # signed in as where it now is
        for deps, hearing in zip(replicas, hearings, strict=True):
            await hearing.everything()
            assert isinstance(await verify_code(deps, moved, revoked.code, now=now), Revoked)
            assert isinstance(await verify_code(deps, moved, kept.code, now=now), OutOfScope)


async def test_a_replica_shows_the_limits_of_a_cap_policy_published_after_it_built_a_units_counters(
    migrated, cap_counters, plan, as_unit, now
):
    """A replica builds a unit's counters for an item once and shows them again on later scans: a new cap policy
    (or a changed item) heard of is shown on the next scan, with its limits."""
    deps = Deps(pool=migrated, counters=cap_counters, keys=SigningKeys(migrated))
    changes = RowChanges()
    deps.reference.watch(changes)
    hearing = Hearing(changes, migrated)
    unit_id = await plan.unit()
    coded = await plan.item()

    def limits(scan) -> dict:
        return {(entry.counter.scope, entry.counter.level): entry.counter.limit for entry in scan.standing}

    async with hearing.listening():
        for _ in range(2):
            assert (
                limits(await verify_code(deps, as_unit(unit_id), coded.code, now=now))[CapScope.LEVEL, Level.COUNTY]
                == 2
            )
        await plan.policy(version=2, county=5, across=9)
        await hearing.everything()
        shown = limits(await verify_code(deps, as_unit(unit_id), coded.code, now=now))
    assert shown[CapScope.LEVEL, Level.COUNTY] == 5
    assert shown[CapScope.ACROSS_LEVELS, None] == 9
