"""The connection pool: no reset round trip when a connection comes back, and still nothing carried over."""

from wurao_common import db


async def test_a_released_connection_is_handed_out_again_without_a_reset_query(database_url):
    pool = await db.create_pool(database_url, min_size=1, max_size=1)
    sent: list[str] = []
    try:
        async with pool.acquire() as conn:
            raw = conn._con  # the connection behind the pool's proxy, which the proxy stops serving at release
            raw.add_query_logger(lambda record: sent.append(record.query))
            await conn.fetchval("SELECT 1")
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 2")
    finally:
        await pool.close()
    assert sent == ["SELECT 1", "SELECT 2"]  # nothing in between: no `RESET ALL; UNLISTEN *; ...`


async def test_a_transaction_left_open_is_rolled_back_before_the_connection_is_reused(database_url):
    pool = await db.create_pool(database_url, min_size=1, max_size=1)
    await pool.execute("CREATE TABLE IF NOT EXISTS pool_leftover (n int)")
    try:
        conn = await pool.acquire()
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("INSERT INTO pool_leftover VALUES (1)")
        await pool.release(conn)  # a bug elsewhere: released inside its transaction
        async with pool.acquire() as again:
            assert not again.is_in_transaction()
            assert await again.fetchval("SELECT count(*) FROM pool_leftover") == 0
    finally:
        await pool.execute("DROP TABLE pool_leftover")
        await pool.close()
