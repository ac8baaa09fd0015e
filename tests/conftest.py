"""Shared fixtures. Storage and API tests run on SQLite and on the real PostgreSQL.

PostgreSQL comes from PHONEBRIDGE_TEST_POSTGRES_URL (default: the local server, database
`test`). Setting it to an empty string skips the PostgreSQL half on a machine without one;
scripts/test never does.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook import audit
from phonebook.app import Phonebook
from phonebook.config import PhonebookConfig
from phonebook.store.engine import is_sqlite, make_engine
from phonebook.store.migrate import upgrade
from phonebook.store.tables import Base

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("PHONEBRIDGE_TEST_POSTGRES_URL", DEFAULT_PG)
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _reset_postgres(url: str) -> None:
    """Drop whatever an earlier run left (tables of another branch's schema too, which the
    metadata does not know and which may reference ours), then migrate from nothing."""
    import asyncio

    async def drop() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(drop())
    upgrade(url)


@pytest.fixture(scope="session")
def migrated_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    sqlite_path = Path(tmp_path_factory.mktemp("db")) / "phonebridge.db"
    urls = {"sqlite": f"sqlite+aiosqlite:///{sqlite_path}"}
    upgrade(urls["sqlite"])
    if PG_URL:
        _reset_postgres(PG_URL)
        urls["postgres"] = PG_URL
    yield urls


@pytest.fixture(params=BACKENDS)
async def engine(
    request: pytest.FixtureRequest, migrated_urls: dict[str, str]
) -> AsyncIterator[AsyncEngine]:
    if request.param not in migrated_urls:
        pytest.skip("PHONEBRIDGE_TEST_POSTGRES_URL is empty")
    url = migrated_urls[request.param]
    engine = make_engine(url)
    await _empty(engine, url)
    yield engine
    await audit.settle()  # lookup audit rows still being written (phonebook/audit.py)
    await engine.dispose()


async def _empty(engine: AsyncEngine, url: str) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "revision_counter"]
    async with engine.begin() as conn:
        if is_sqlite(url):
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))
        else:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))


@pytest.fixture
def config() -> PhonebookConfig:
    return PhonebookConfig(default_region="US", auto_verify_phones=True, lookups_per_minute=1000)


@pytest.fixture
def pb(engine: AsyncEngine, config: PhonebookConfig) -> Phonebook:
    return Phonebook.build(engine, config)
