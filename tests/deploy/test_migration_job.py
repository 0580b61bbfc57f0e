"""In a cluster, a Job migrates each database and the replicas start with MIGRATE_ON_START=false.

Such a replica never changes the schema: on a database that lacks a migration it refuses to start, naming the
command to run, and leaves the database as it found it. After `python -m wurao_<service>.migrate` it serves.
"""

import os
import subprocess
import sys

import asyncpg
import pytest

from wurao_common.config import SettingsError
from wurao_common.testing import serving, settings_from
from wurao_rectification.app import create_app
from wurao_rectification.settings import RectificationSettings


def test_migrate_on_start_is_read_from_the_environment_and_defaults_to_true(service_env):
    assert settings_from(service_env(bus_user="rectification")).migrate_on_start is True
    assert settings_from(service_env(bus_user="rectification", MIGRATE_ON_START="false")).migrate_on_start is False
    with pytest.raises(SettingsError, match="MIGRATE_ON_START"):
        settings_from(service_env(bus_user="rectification", MIGRATE_ON_START="sometimes"))


async def _tables(database_url: str) -> set[str]:
    conn = await asyncpg.connect(database_url)
    try:
        return {
            row["tablename"] for row in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    finally:
        await conn.close()


def _migrate(database_url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "wurao_rectification.migrate"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_a_replica_that_may_not_migrate_refuses_an_unmigrated_database_then_serves_after_the_job(
    service_env, database_url
):
    settings = settings_from(service_env(bus_user="rectification", MIGRATE_ON_START="false"))
    own = RectificationSettings(sweep_seconds=60)

    with pytest.raises(RuntimeError, match=r"lacks migrations bus/001_outbox_inbox\.sql.*wurao_rectification\.migrate"):
        async with serving(create_app(settings, own)):
            pass
    assert await _tables(database_url) == set(), "a replica with MIGRATE_ON_START=false changed the schema"

    first = _migrate(database_url)
    assert "applied bus/001_outbox_inbox.sql" in first
    assert "rectification/001_" in first
    assert _migrate(database_url).strip() == "rectification: the database is up to date"

    async with serving(create_app(settings, own)) as client:
        assert (await client.get("/healthz")).status_code == 200
