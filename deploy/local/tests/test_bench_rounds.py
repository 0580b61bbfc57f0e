"""The fast-paths bench's rounds: runs merged into one line, ratios taken round by round, waiting for quiet."""

import asyncio
import sys

from wurao_devstack.bench.load import Result, quiet, round_ratios


def _result(requests: int, seconds: float, cpu: float = 0.0, latencies=(0.01,)) -> Result:
    return Result("typename plan", requests, 1, seconds, list(latencies), {"": cpu})


def test_a_measurements_rounds_merge_into_one_result_with_every_request_second_and_cpu_second():
    merged = Result.merged([_result(100, 2.0, 0.5, (0.01, 0.02)), _result(300, 2.0, 1.0, (0.03,))])
    assert (merged.requests, merged.errors, merged.seconds) == (400, 2, 4.0)
    assert merged.rate == 100.0
    assert sorted(merged.latencies) == [0.01, 0.02, 0.03]
    assert merged.cpu == {"": 1.5}
    assert merged.cpu_per_request() == "cpu 3.75 ms/req"


def test_ratios_pair_each_round_with_its_baselines_run_of_the_same_round():
    measured = [_result(100, 1.0), _result(300, 1.0), _result(50, 1.0)]
    baseline = [_result(200, 1.0), _result(300, 1.0), _result(100, 1.0)]
    assert round_ratios(measured, baseline) == [0.5, 1.0, 0.5]
    assert round_ratios(measured, baseline[:2]) == [0.5, 1.0]  # a baseline not measured in a round: no ratio
    assert round_ratios([_result(10, 1.0)], [_result(0, 1.0)]) == [0.0]


def test_a_line_shows_the_ratio_it_is_given_else_its_own_against_the_baseline():
    run, base = _result(150, 1.0), _result(200, 1.0)
    assert "0.75x" in run.line(base)
    assert "0.60x" in run.line(base, ratio=0.6)
    assert "base" in run.line()


async def test_waiting_for_quiet_ends_at_once_for_idle_processes_and_waits_out_a_busy_one():
    idle = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(30)")
    busy = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time\nend = time.time() + 1.5\nwhile time.time() < end: pass\ntime.sleep(30)"
    )
    try:
        await asyncio.sleep(0.2)  # both started
        assert await quiet([idle.pid], window=0.2) < 0.5
        assert await quiet([busy.pid], window=0.2) >= 0.8
    finally:
        for process in (idle, busy):
            process.kill()
            await process.wait()
