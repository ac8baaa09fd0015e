"""Several bridges starting at once on a fresh PostgreSQL database: every one of them upgrades
the schema under one advisory lock, so none fails on a half-created table."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.test_cli import clean_env

pytestmark = pytest.mark.postgres


@pytest.fixture
def fresh_database() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PHONEBRIDGE_TEST_POSTGRES_URL is empty")
    url = make_url(PG_URL)
    name = f"{url.database}_migrate_race"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def recreate(create: bool) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(recreate(True))
    yield url.set(database=name).render_as_string(hide_password=False)
    asyncio.run(recreate(False))


def test_four_processes_upgrade_one_fresh_database_at_once(
    fresh_database: str, tmp_path: Path
) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "phonebridge", "db", "upgrade"],
            cwd=tmp_path,
            env=clean_env(database_url=fresh_database),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "latest revision" in out
