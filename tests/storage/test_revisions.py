"""Sync tokens under concurrent writers. On PostgreSQL revisions come from a sequence and may
commit out of order; a sync token is a horizon below which every writer has ended, so a
client that syncs with ``since`` while 20 writers change grants loses no change and never
sees a contact go back to an older state."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.app import Phonebook
from phonebook.config import PhonebookConfig
from phonebook.model import Level
from phonebook.ratelimit import AllowAll
from phonebook.store import queries, revisions
from phonebook.store.engine import make_sessionmaker
from phonebook.store.tables import GrantRow

WRITERS = 20
OWNERS = 5  # per writer; each owner changes twice and never again, so a lost last change
CHANGES = 2  # stays lost (a later change to the same owner would send its state again)
VIEWER_PHONE = "+12025550100"


async def test_twenty_writers_lose_no_change_in_since_sync(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: its counter is commit-ordered")
    pb = Phonebook.build(engine, PhonebookConfig(auto_verify_phones=True), limiter=AllowAll())
    viewer = (await pb.accounts.register("Viewer", VIEWER_PHONE, None)).id
    owners: list[tuple[str, str, list[str]]] = []
    for n in range(WRITERS * OWNERS):
        owner = (await pb.accounts.register(f"Owner {n}", f"+1303555{n:04d}", None)).id
        circle = await pb.circles.create(owner, "friends")
        await pb.circles.add_member(owner, circle.id, VIEWER_PHONE)
        entries = [
            (await pb.cards.add(owner, "email", f"e{k}", f"o{n}e{k}@example.org")).id
            for k in range(CHANGES)
        ]
        owners.append((owner, circle.id, entries))

    sessions = make_sessionmaker(engine)
    rng = random.Random(14)

    async def writer(mine: list[tuple[str, str, list[str]]]) -> None:
        for owner, circle, entries in mine:
            for entry in entries:  # one more entry visible to the viewer each time
                # Cards.set_grant's statements, with a pause between taking the revision and
                # committing (a slow network, a busy server): commits come out of order
                async with sessions.begin() as session:
                    await queries.lock_owner(session, owner)
                    row = {"entry_id": entry, "audience": circle, "level": int(Level.VISIBLE)}
                    await queries.upsert(session, GrantRow, row, keys=["entry_id", "audience"])
                    await queries.bump(session, owner)
                    await asyncio.sleep(rng.uniform(0, 0.05))

    copy: dict[str, int] = {}  # the client's copy: owner -> entries it can see
    token: str | None = None
    syncs = 0

    async def sync() -> None:
        nonlocal token, syncs
        page = await pb.directory.phonebook(viewer, token)
        if page.full:
            copy.clear()
        for contact in page.contacts:
            seen = len(contact.entries)
            # never older than what the client already has: no reordered change
            assert seen >= copy.get(contact.id, 0), (contact.id, seen, copy.get(contact.id))
            copy[contact.id] = seen
        for gone in page.removed:
            copy.pop(gone, None)
        token = page.sync_token
        syncs += 1

    writing = asyncio.gather(*(writer(owners[w::WRITERS]) for w in range(WRITERS)))
    while not writing.done():
        await sync()
        await asyncio.sleep(0)
    await writing
    await sync()  # one sync after the last commit: the copy is complete
    assert copy == {owner: CHANGES for owner, _, _ in owners}
    assert syncs > 2  # the reader did sync while the writers wrote


def test_a_snapshot_counts_ids_at_or_above_its_xmax_as_running() -> None:
    # PostgreSQL 14+: xmax is the latest completed id + 1, so a running id may be above it
    now = revisions._Snapshot(xmax=100, xip=frozenset({97}))
    assert now.running(97) and now.running(100) and now.running(250)
    assert not now.running(98)
    # pg_stat_activity's 32-bit ids, widened near the snapshot (also across an epoch)
    assert now.widen(99) == 99 and now.widen(101) == 101
    late = revisions._Snapshot(xmax=(1 << 32) + 5, xip=frozenset())
    assert late.widen(3) == (1 << 32) + 3 and late.widen(0xFFFFFFFE) == (1 << 32) - 2
