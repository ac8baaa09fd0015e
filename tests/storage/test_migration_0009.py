"""Migration 0009 on a phonebook written before it: public keys flagged, name indexes stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from phonebook import names
from phonebook.store.engine import make_engine
from phonebook.store.migrate import downgrade, upgrade


async def test_0009_backfills_an_existing_phonebook(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade, url, "0008")
    engine = make_engine(url)
    async with engine.begin() as conn:
        for account_id, name in (("a1", "张伟"), ("a2", "Ada Lovelace")):
            await conn.execute(
                text(
                    "INSERT INTO accounts (id, name, aliases, revision, created_at, language)"
                    " VALUES (:id, :name, '[]', 1, CURRENT_TIMESTAMP, 'en')"
                ),
                {"id": account_id, "name": name},
            )
            await conn.execute(
                text("INSERT INTO name_keys (key, account_id) VALUES (:key, :id)"),
                {"key": f"t:{account_id}", "id": account_id},
            )
        await conn.execute(
            text(
                "INSERT INTO entries (id, owner_id, kind, label, value, position)"
                " VALUES ('e1', 'a1', 'phone', 'mobile', '+8613800138000', 0)"
            )
        )
        await conn.execute(
            text("INSERT INTO grants (entry_id, audience, level) VALUES ('e1', 'public', 1)")
        )
    await engine.dispose()

    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    async with engine.connect() as conn:
        public = dict((await conn.execute(text("SELECT account_id, public FROM name_keys"))).all())
        stored = dict((await conn.execute(text("SELECT name, name_index FROM accounts"))).all())
    await engine.dispose()
    assert public == {"a1": True, "a2": False}
    for name, index in stored.items():
        assert names.decode_index(name, index) == names.index_name(name)
    await asyncio.to_thread(downgrade, url, "0008")  # and back
