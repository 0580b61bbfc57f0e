"""Errors that are the client's doing, whose message is shown, and a store's absence, which the client may retry.
Every other error is a bug: masked and logged."""

import asyncpg
import redis.exceptions


class ClientError(Exception):
    """Bad input the client can fix (malformed id, missing field...): shown as-is, changes nothing."""

    code = "BAD_USER_INPUT"


class NotFound(ClientError):
    code = "NOT_FOUND"


# What a store's absence raises: PostgreSQL down, restarting, shut down by its operator or out of connections, a
# connection lost mid-statement or one that never came, Redis unreachable. Not a bug: answered as UNAVAILABLE, with
# no stack trace logged. Not asyncpg's InterfaceError as a whole: most of it is our own misuse (a bug).
UNREACHABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, broken pipe
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
