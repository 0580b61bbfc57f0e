"""A hypothesis state machine over real PostgreSQL and a dedicated real Redis: whatever happens (concurrent
check-ins, late emergency registrations, the clock crossing year ends, Redis flushed or restarted empty, the
service restarted), no unit is ever inspected past a cap, and every counter Redis holds agrees with PostgreSQL.

Hypothesis drives it synchronously, so the machine runs its own event loop (the test itself is not async).
"""

import asyncio
from collections import Counter as Tally
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from wurao_common import db, embedded
from wurao_common.service import BUS_MIGRATIONS
from wurao_inspection.adapters import counters
from wurao_inspection.adapters.keys import SigningKeys
from wurao_inspection.domain.periods import CHINA
from wurao_inspection.usecases.deps import Deps
from wurao_inspection.usecases.visits import check_in, register_emergency_visit

from .conftest import MIGRATIONS, PlanFacts, _inspector, _unit_caller, redis_disagreements

LIMITS = {"province": 1, "city": 1, "county": 2}
ACROSS = 3
START = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA)
LAST = datetime(2027, 12, 31, 23, 0, tzinfo=CHINA)
LONG = dict(window=(date(2026, 1, 1), date(2027, 12, 31)), expires=datetime(2028, 1, 1, tzinfo=CHINA))


class World:
    """What outlives one example: the event loop, the database, Redis, plan's facts."""

    def __init__(self, database_url: str, redis_dir):
        self.loop = asyncio.new_event_loop()
        self.redis_dir = redis_dir
        self.redis = embedded.start_redis(redis_dir)
        self.pool = self.run(db.create_pool(database_url, max_size=10))
        self.run(db.migrate(self.pool, {"bus": BUS_MIGRATIONS, "inspection": MIGRATIONS}))
        self.run(self._plan())
        self.deps: Deps | None = None
        self._counters = None
        self.admitted = 0  # check-ins admitted over all examples

    async def _plan(self) -> None:
        plan = PlanFacts(self.pool)
        await plan.signing_key()
        await plan.policy(**LIMITS, across=ACROSS)
        self.units = [await plan.unit() for _ in range(3)]
        self.items = [
            await plan.item(per_unit_cap=2, emergency=True, **LONG),
            await plan.item(per_unit_cap=2, **LONG),
            await plan.item(office_id="4310-dcs", office_level="city", office_region="4310", per_unit_cap=1, **LONG),
            await plan.item(exemption="emergency", emergency=True, **LONG),
        ]
        self.limits = {item.item_id: cap for item, cap in zip(self.items, (2, 2, 1, 1), strict=True)}
        self.levels = {
            item.item_id: level for item, level in zip(self.items, ("county", "county", "city", "county"), strict=True)
        }

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def start_service(self) -> None:
        """A fresh replica: new Redis pool, scripts not yet loaded on its side, empty key cache."""
        self.stop_service()
        self._counters = counters.connect(self.redis.url)
        cap_counters = self.run(self._counters.__aenter__())
        self.deps = Deps(pool=self.pool, counters=cap_counters, keys=SigningKeys(self.pool))

    def stop_service(self) -> None:
        if self._counters is not None:
            self.run(self._counters.__aexit__(None, None, None))
            self._counters = None

    def restart_redis(self) -> None:
        port = self.redis.port
        self.redis.stop()
        self.redis = embedded.start_redis(self.redis_dir, port)

    def close(self) -> None:
        self.stop_service()
        self.run(self.pool.close())
        self.redis.stop()
        self.loop.close()


class CapsMachine(RuleBasedStateMachine):
    world: World

    @initialize()
    def fresh_start(self):
        self.now = START
        self.world.start_service()
        self.world.run(self.world.pool.execute("TRUNCATE visits CASCADE"))
        self.world.run(self.world.deps.counters.redis.flushall())

    @rule(unit=st.integers(0, 2), item=st.integers(0, 3), concurrent=st.integers(1, 6))
    def check_in(self, unit, item, concurrent):
        deps, world = self.world.deps, self.world
        caller = _unit_caller(world.units[unit])

        async def scans():
            return await asyncio.gather(
                *(check_in(deps, caller, world.items[item].code, now=self.now) for _ in range(concurrent))
            )

        outcomes = world.run(scans())
        world.admitted += sum(type(outcome).__name__ == "Visit" for outcome in outcomes)

    @rule(unit=st.integers(0, 2), item=st.sampled_from([0, 3]), days_ago=st.integers(0, 30))
    def register_emergency(self, unit, item, days_ago):
        world = self.world
        world.run(
            register_emergency_visit(
                world.deps,
                _inspector(),
                world.items[item].code,
                unit_id=world.units[unit],
                inspected_at=self.now - timedelta(days=days_ago, hours=1),
                reason="险情",
                now=self.now,
            )
        )

    @rule(hours=st.integers(1, 24 * 90))
    def advance_clock(self, hours):
        self.now = min(self.now + timedelta(hours=hours), LAST)

    @rule()
    def flush_redis(self):
        self.world.run(self.world.deps.counters.redis.flushall())

    @rule()
    def restart_redis_empty(self):
        self.world.restart_redis()

    @rule()
    def restart_service(self):
        self.world.start_service()

    @invariant()
    def no_cap_is_ever_exceeded(self):
        rows = self.world.run(
            self.world.pool.fetch(
                "SELECT unit_id, period_year, office_level, item_id::text, count(*) AS n FROM visits WHERE counted "
                "GROUP BY 1, 2, 3, 4"
            )
        )
        per_level, across, per_item = Tally(), Tally(), Tally()
        for row in rows:
            per_level[row["unit_id"], row["period_year"], row["office_level"]] += row["n"]
            across[row["unit_id"], row["period_year"]] += row["n"]
            per_item[row["unit_id"], row["item_id"]] += row["n"]
        assert all(n <= LIMITS[level] for (_, _, level), n in per_level.items()), per_level
        assert all(n <= ACROSS for n in across.values()), across
        assert all(n <= self.world.limits[item] for (_, item), n in per_item.items()), per_item

    @invariant()
    def redis_agrees_with_postgresql(self):
        if self.world.redis.process.poll() is None:
            assert self.world.run(redis_disagreements(self.world.deps.counters.redis, self.world.pool)) == []

    @invariant()
    def every_counter_expires(self):
        if self.world.redis.process.poll() is None:
            redis = self.world.deps.counters.redis

            async def ttls():
                return [await redis.ttl(key) async for key in redis.scan_iter(match="wurao:cap:*")]

            assert all(ttl > 0 or ttl == -2 for ttl in self.world.run(ttls())), "a counter without an expiry"

    def teardown(self):
        self.world.stop_service()


def test_no_sequence_of_scans_clock_changes_and_redis_losses_breaks_a_cap(database_url, tmp_path):
    world = World(database_url, tmp_path / "redis")
    CapsMachine.world = world
    try:
        run_state_machine_as_test(
            CapsMachine,
            settings=settings(
                max_examples=30,
                stateful_step_count=20,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
        # Any one example may admit nothing (all its steps flush or restart); the run as a whole must.
        assert world.admitted > 0, "no example admitted a visit: the machine tested nothing"
    finally:
        world.close()
