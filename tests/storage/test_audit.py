"""The batched lookup audit: close() writes what is queued, the bound holds by waiting (no row
dropped), rows of a deleted account are skipped without losing the rest of their batch."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.app import Phonebook
from phonebook.audit import LookupAudit
from phonebook.ids import utcnow
from phonebook.store.engine import make_sessionmaker
from phonebook.store.tables import LookupRow


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(LookupRow)) or 0)


async def two_people(pb: Phonebook) -> tuple[str, str]:
    a = await pb.accounts.register("Ada", "+12025550101", None)
    b = await pb.accounts.register("Bob", "+12025550102", None)
    return a.id, b.id


def rows(viewer: str, owner: str, n: int) -> list[dict[str, object]]:
    return [{"owner_id": owner, "viewer_id": viewer, "via": "api", "at": utcnow()}] * n


async def test_close_writes_everything_queued(pb: Phonebook, engine: AsyncEngine) -> None:
    viewer, owner = await two_people(pb)
    audit = LookupAudit(make_sessionmaker(engine), max_rows=4)
    # more than the bound, from many tasks at once: some wait for room, none is dropped
    await asyncio.gather(*(audit.record(rows(viewer, owner, 3)) for _ in range(10)))
    await audit.close()
    assert await count(engine) == 30
    await audit.record(rows(viewer, owner, 2))  # after close: written at once
    assert await count(engine) == 32


async def test_a_deleted_accounts_rows_are_skipped_not_the_batch(
    pb: Phonebook, engine: AsyncEngine
) -> None:
    viewer, owner = await two_people(pb)
    audit = LookupAudit(make_sessionmaker(engine))
    await audit.record(rows(viewer, owner, 2) + rows("gone", owner, 1) + rows(owner, viewer, 1))
    await audit.flush()
    assert await count(engine) == 3
    await audit.close()


async def test_lookups_of_shows_this_process_lookups_at_once(pb: Phonebook) -> None:
    viewer, owner = await two_people(pb)
    await pb.cards.add(owner, "phone", "work", "+12025550199", {"public": "callable"})
    await pb.directory.lookup(viewer, name="bob")
    (record,) = await pb.directory.lookups_of(owner)
    assert record.viewer_id == viewer and record.via == "api"
