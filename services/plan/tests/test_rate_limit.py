"""The per-client budget of plan's public routes (pure: a fake clock, no I/O)."""

import pytest

from wurao_plan.api.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_waits_for_the_refill():
    clock = Clock()
    limiter = RateLimiter(burst=3, per_second=0.5, clock=clock)
    assert [limiter.retry_after("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.retry_after("a") == pytest.approx(2.0)
    clock.now += 1
    assert limiter.retry_after("a") == pytest.approx(1.0)  # a refused request costs nothing
    clock.now += 1
    assert limiter.retry_after("a") == 0


def test_clients_have_separate_budgets():
    limiter = RateLimiter(burst=1, per_second=0.1, clock=Clock())
    assert limiter.retry_after("a") == 0
    assert limiter.retry_after("a") > 0
    assert limiter.retry_after("b") == 0


def test_the_budget_never_grows_past_the_burst_while_idle():
    clock = Clock()
    limiter = RateLimiter(burst=2, per_second=1, clock=clock)
    limiter.retry_after("a")
    clock.now += 3600
    assert [limiter.retry_after("a") for _ in range(3)][2] > 0


def test_the_table_forgets_the_least_recently_seen_client_first():
    limiter = RateLimiter(burst=1, per_second=0.001, max_clients=2, clock=Clock())
    for client in ("a", "b", "a", "c"):  # "b" is the least recent when "c" arrives
        limiter.retry_after(client)
    assert limiter.retry_after("b") == 0  # forgotten, so a fresh budget
    assert limiter.retry_after("c") > 0  # remembered


def test_nonsense_budgets_are_refused():
    with pytest.raises(ValueError):
        RateLimiter(burst=0, per_second=1)
    with pytest.raises(ValueError):
        RateLimiter(burst=1, per_second=0)
