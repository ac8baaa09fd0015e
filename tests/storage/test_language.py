"""An account's language, stored on SQLite and PostgreSQL, and the migration that adds it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from phonebook.app import Phonebook
from phonebook.errors import InvalidInput, Unauthenticated
from phonebook.store.engine import make_engine
from phonebook.store.migrate import downgrade, upgrade


async def test_language_is_stored_per_account(pb: Phonebook) -> None:
    dana = await pb.accounts.register("Dana Lee", "+12025550150", None)
    eli = await pb.accounts.register("Eli Wu", "+12025550151", None)
    assert await pb.languages.of(dana.id) == "en"
    assert await pb.languages.set(dana.id, " ZH ") == "zh"
    assert (await pb.languages.of(dana.id), await pb.languages.of(eli.id)) == ("zh", "en")
    assert (await pb.accounts.profile(dana.id)).language == "zh"
    with pytest.raises(InvalidInput):
        await pb.languages.set(dana.id, "fr")
    with pytest.raises(Unauthenticated):
        await pb.languages.set("0" * 32, "zh")
    assert await pb.languages.of("0" * 32) == "en"  # nobody: the default


def test_the_migration_adds_english_to_existing_accounts_and_comes_off(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pb.db'}"
    upgrade(url, "0004")

    async def run(sql: str) -> list[tuple[object, ...]]:
        engine = make_engine(url)
        async with engine.begin() as conn:
            rows = (await conn.execute(text(sql))).all() if sql.startswith("SELECT") else []
            if not sql.startswith("SELECT"):
                await conn.execute(text(sql))
        await engine.dispose()
        return [tuple(r) for r in rows]

    asyncio.run(
        run(
            "INSERT INTO accounts (id, name, aliases, revision, created_at) "
            "VALUES ('a1', 'Old Account', '[]', 0, '2026-01-01 00:00:00')"
        )
    )
    upgrade(url, "0007")
    assert asyncio.run(run("SELECT language FROM accounts")) == [("en",)]
    downgrade(url, "0004")
    upgrade(url, "0007")
    assert asyncio.run(run("SELECT name, language FROM accounts")) == [("Old Account", "en")]
