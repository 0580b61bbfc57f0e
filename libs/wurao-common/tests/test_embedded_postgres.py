"""The embedded PostgreSQL starts from any folder, as root or not, without touching folder permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import asyncpg

from wurao_common import embedded


def _modes(path: Path) -> dict[Path, int]:
    return {folder: stat.S_IMODE(folder.stat().st_mode) for folder in [path, *path.parents]}


async def test_postgres_starts_inside_a_folder_only_its_owner_may_enter(tmp_path: Path) -> None:
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    data_dir = private / "clone" / ".wurao"
    before = _modes(private)

    server = embedded.start_postgres(data_dir)
    try:
        connection = await asyncpg.connect(server.url)
        try:
            assert await connection.fetchval("select current_user") == "postgres"
        finally:
            await connection.close()
    finally:
        server.stop()

    assert _modes(private) == before, "no folder on the way to the data may have its permissions changed"
    assert (data_dir / "pgdata").stat().st_uid == os.geteuid(), "the data stays the caller's own"


async def test_postgres_restarts_on_the_data_it_left(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = embedded.start_postgres(data_dir)
    try:
        connection = await asyncpg.connect(first.url)
        await connection.execute("create table kept (n int); insert into kept values (7)")
        await connection.close()
    finally:
        first.stop()

    second = embedded.start_postgres(data_dir)
    try:
        connection = await asyncpg.connect(second.url)
        try:
            assert await connection.fetchval("select n from kept") == 7
        finally:
            await connection.close()
    finally:
        second.stop()
