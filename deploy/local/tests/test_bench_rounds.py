"""The fast-paths bench's rounds: runs merged into one line, ratios taken round by round, CPU counted after the
warm-up, waiting for a quiet platform."""

import asyncio
import subprocess
import sys

import pytest

from wurao_devstack.bench.load import Result, quiet, round_ratios, run
from wurao_devstack.stack import tree_cpu_seconds_by_root

BURN = "import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass\ntime.sleep(60)"


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
    assert round_ratios(measured, baseline[:2]) == [0.5, 1.0]  # the baseline's last round not run: no third ratio
    assert round_ratios(measured, [_result(200, 1.0), _result(0, 1.0), _result(100, 1.0)]) == [0.5, 0.5]


def test_a_line_shows_the_ratio_it_is_given_else_its_own_against_the_baseline_and_no_ratio_without_one():
    run_, base = _result(150, 1.0), _result(200, 1.0)
    assert "0.75x" in run_.line(base)
    assert "0.60x" in run_.line(base, ratio=0.6)
    assert "base" in run_.line()
    compared = run_.line(compared=True)
    assert "base" not in compared
    assert "—" in compared


def test_the_platforms_cpu_per_request_says_how_fast_the_machines_cores_could_answer_at_most():
    parts = [
        Result("checkIn direct", 100, 0, 1.0, [0.01], {"": 0.1}, {"inspection": 0.1, "postgres": 0.1}),
        Result("checkIn direct", 300, 0, 1.0, [0.01], {"": 0.3}, {"inspection": 0.3, "postgres": 0.1, "nats": 0.0}),
    ]
    merged = Result.merged(parts)
    assert merged.platform == pytest.approx({"inspection": 0.4, "postgres": 0.2, "nats": 0.0})
    assert merged.cpu_per_request() == "cpu 1.00 ms/req, platform cpu 1.50 ms/req"
    assert merged.platform_parts() == "inspection 1.00, postgres 0.50"  # the costliest first; nothing spent, unshown
    assert merged.most_per_second(2) == pytest.approx(2 / 0.0015)  # two cores at 1.5 ms of CPU a request
    # A run whose platform was not measured has no bound, nor does a merge that includes one.
    assert _result(100, 1.0).most_per_second(2) is None
    assert Result.merged([parts[0], _result(100, 1.0)]).platform is None


class _Idle:
    async def __call__(self, n: int) -> bool:
        await asyncio.sleep(0.01)
        return True

    async def close(self) -> None:
        pass


async def test_a_runs_cpu_is_counted_from_the_end_of_its_warm_up():
    burner = subprocess.Popen([sys.executable, "-c", BURN.format(seconds=60)])  # noqa: ASYNC220
    try:
        result = await run("burn", _Idle, concurrency=1, seconds=0.6, warmup=1.5, watched={"burner ": burner})
    finally:
        burner.kill()
        burner.wait()
    # At most a core for 0.6 s: the warm-up's 1.5 s would show as more.
    assert 0.05 < result.cpu["burner "] < 0.9


async def test_a_runs_platform_cpu_is_what_each_part_used_between_the_start_and_end_of_its_measured_time():
    readings = iter([{"postgres": 10.0, "redis": 1.0}, {"postgres": 12.5, "redis": 1.5}])
    result = await run("idle", _Idle, concurrency=1, seconds=0.1, warmup=0.1, platform=lambda: next(readings))
    assert result.platform == {"postgres": 2.5, "redis": 0.5}
    assert (await run("idle", _Idle, concurrency=1, seconds=0.1, warmup=0.0)).platform_cpu is None


async def test_waiting_for_quiet_ends_at_once_for_idle_processes_and_waits_out_a_busy_ones_children():
    idle = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(60)")
    # A parent at rest whose child works for 2.5 s, as a server's worker does.
    parent = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', {BURN.format(seconds=2.5)!r}])\n"
        "time.sleep(60)",
    )
    try:
        await asyncio.sleep(0.3)  # both started
        assert await quiet([idle.pid], window=0.2) < 1.0
        assert await quiet([parent.pid], window=0.2) >= 1.2
        assert await quiet([parent.pid], window=0.2, longest=0.5) is not None  # quiet again once the child rests
        assert await quiet([parent.pid], window=0.2, longest=0.5, busy=-1.0) is None  # never quiet: gives up
    finally:
        for process in (idle, parent):
            process.kill()
            await process.wait()


async def test_a_worker_that_ended_during_the_wait_still_counts_as_work():
    # The parent rests, runs a child that works ~0.8 s and waits for it to end: as a server's worker comes and goes.
    parent = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import subprocess, sys, time\ntime.sleep(0.3)\n"
        f"subprocess.run([sys.executable, '-c', {BURN.replace('time.sleep(60)', '').format(seconds=0.8)!r}])\n"
        "time.sleep(60)",
    )
    try:
        # The first window sees the child start, work and end: busy, so a second window follows.
        assert await quiet([parent.pid], window=1.8) >= 3.0
    finally:
        parent.kill()
        await parent.wait()


async def test_one_reading_of_proc_gives_each_group_of_processes_its_own_cpu_seconds():
    idle = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(60)")
    busy = await asyncio.create_subprocess_exec(sys.executable, "-c", BURN.format(seconds=60))
    try:
        await asyncio.sleep(1.0)
        spent = tree_cpu_seconds_by_root({"idle": [idle.pid], "busy": [busy.pid], "none": []})
        assert spent["busy"] > 0.5 > spent["idle"]  # about a second of burning against the interpreter's start
        assert spent["none"] == 0.0
    finally:
        for process in (idle, busy):
            process.kill()
            await process.wait()
