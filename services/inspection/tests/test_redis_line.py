"""The scan's shared Redis connection (adapters.redis_line), on real Redis servers: replies reach their own callers,
a restarted Redis is found again with its scripts reloaded, and what cannot answer is refused as RedisError."""

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from wurao_common import embedded
from wurao_inspection.adapters import counters
from wurao_inspection.adapters.keys import SigningKeys
from wurao_inspection.adapters.redis_line import RedisLine
from wurao_inspection.domain.scan import Unavailable, Valid
from wurao_inspection.usecases.deps import Deps
from wurao_inspection.usecases.scan import verify_code


async def test_replies_reach_their_own_callers_when_many_calls_share_the_connection(cap_counters, servers):
    await cap_counters.redis.mset({f"line:{n}": str(n) for n in range(300)})
    line = RedisLine(servers.redis.url)
    try:
        replies = await asyncio.gather(*(line.call("GET", f"line:{n}") for n in range(300)))
    finally:
        await line.close()
    assert replies == [str(n) for n in range(300)]


async def test_the_commands_of_one_turn_of_the_event_loop_go_to_redis_in_one_write(cap_counters, servers):
    """Each write wakes Redis (and its replies wake this process), which costs more CPU than the write: calls made
    together are written together. Counted on the real connection's transport, which still does the writing."""
    await cap_counters.redis.mset({f"turn:{n}": str(n) for n in range(20)})
    line = RedisLine(servers.redis.url)
    try:
        assert await line.call("PING") == "PONG"  # connected
        transport = line._protocol._transport._transport  # the socket's own transport, under the joining one
        writes = []
        write = transport.write
        transport.write = lambda data: (writes.append(data), write(data))[1]
        replies = await asyncio.gather(*(line.call("GET", f"turn:{n}") for n in range(20)))
        later = await line.call("GET", "turn:7")
    finally:
        await line.close()
    assert replies == [str(n) for n in range(20)]
    assert later == "7"
    assert len(writes) == 2  # the twenty calls made in one turn, then the call made after their replies


async def test_a_command_that_cannot_be_sent_is_refused_and_later_replies_still_reach_their_own_callers(
    cap_counters, servers
):
    await cap_counters.redis.mset({"packed:a": "a", "packed:b": "b"})
    line = RedisLine(servers.redis.url)
    try:
        assert await line.call("GET", "packed:a") == "a"
        with pytest.raises(TypeError):
            await line.call("GET", None)  # no Redis type: never sent
        assert await line.call("GET", "packed:b") == "b"
    finally:
        await line.close()


async def test_a_scan_answers_again_after_redis_restarts_empty(migrated, plan, as_unit, now, tmp_path):
    """The connection Redis dropped is made again, and the read script Redis no longer holds (NOSCRIPT) is sent
    whole; while Redis is down the scan is Unavailable, never a crash."""
    unit_id = await plan.unit()
    coded = await plan.item()
    redis = embedded.start_redis(tmp_path / "redis")
    try:
        async with counters.connect(redis.url) as cap_counters:
            deps = Deps(pool=migrated, counters=cap_counters, keys=SigningKeys(migrated))
            assert isinstance(await verify_code(deps, as_unit(unit_id), coded.code, now=now), Valid)
            port = redis.port
            redis.stop()
            assert isinstance(await verify_code(deps, as_unit(unit_id), coded.code, now=now), Unavailable)
            redis = embedded.start_redis(tmp_path / "redis", port)
            assert isinstance(await verify_code(deps, as_unit(unit_id), coded.code, now=now), Valid)
    finally:
        redis.stop()


async def test_the_line_signs_in_with_the_urls_password_and_uses_its_database(tmp_path):
    redis = embedded.start_redis(tmp_path / "redis")
    try:
        plain = RedisLine(redis.url)
        await plain.call("SELECT", 3)  # this connection only: the line below must select the database itself
        await plain.call("SET", "in-db-3", "yes")
        await plain.call("CONFIG", "SET", "requirepass", "s3cret")
        await plain.close()

        line = RedisLine(f"redis://:s3cret@127.0.0.1:{redis.port}/3")
        try:
            assert await line.call("GET", "in-db-3") == "yes"
        finally:
            await line.close()
        wrong = RedisLine(f"redis://:wrong@127.0.0.1:{redis.port}/3")
        with pytest.raises(RedisConnectionError, match="AUTH"):
            await wrong.call("GET", "in-db-3")
        await wrong.close()
    finally:
        redis.stop()


async def test_a_redis_that_never_answers_is_a_timeout_not_a_hang():
    async def silent(reader, writer):
        await reader.read()  # reads until the line gives up, never answers
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    line = RedisLine(f"redis://127.0.0.1:{port}/0", timeout=0.2)
    try:
        with pytest.raises(RedisTimeoutError):
            await line.call("PING")
    finally:
        await line.close()
        server.close()
        await server.wait_closed()


async def test_a_call_whose_reply_never_comes_times_out_on_its_own_deadline_after_earlier_calls_were_answered():
    """One watchdog serves the connection, due at the oldest waiting call's deadline: when an earlier call was
    answered in time, the call now oldest fails about its own timeout after it was sent, neither sooner nor never."""

    async def answers_once_then_falls_silent(reader, writer):
        await reader.readuntil(b"PING\r\n")
        writer.write(b"+PONG\r\n")
        await reader.read()  # reads on until the line gives up, never answers again
        writer.close()

    server = await asyncio.start_server(answers_once_then_falls_silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    line = RedisLine(f"redis://127.0.0.1:{port}/0", timeout=0.5)
    loop = asyncio.get_running_loop()
    try:
        assert await line.call("PING") == "PONG"
        await asyncio.sleep(0.25)  # the next call is sent before the first one's deadline, and is due after it
        sent = loop.time()
        async with asyncio.timeout(5):
            with pytest.raises(RedisTimeoutError):
                await line.call("PING")
        waited = loop.time() - sent
    finally:
        await line.close()
        server.close()
        await server.wait_closed()
    assert 0.45 <= waited < 1.5


async def test_an_unreachable_redis_is_a_redis_error():
    line = RedisLine("redis://127.0.0.1:1/0")
    with pytest.raises(RedisError):
        await line.call("PING")
