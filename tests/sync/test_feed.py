"""The change feed: published after commit only, and on PostgreSQL carried between processes
by LISTEN/NOTIFY, recovering after the listening connection is lost."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.app import Phonebook
from phonebook.config import PhonebookConfig
from phonebook.feed import Change, Feed
from phonebook.store import changes
from phonebook.store.changes import make_sessionmaker
from phonebook.store.pgfeed import APPLICATION_NAME, PgFeedListener, parse


def heard(feed: Feed) -> list[Change]:
    got: list[Change] = []
    feed.subscribe(got.append)
    return got


async def test_changes_are_published_after_commit_and_never_after_rollback(
    pb: Phonebook, engine: AsyncEngine
) -> None:
    got = heard(pb.feed)
    alice = (await pb.accounts.register("Alice", "+12025550101", None)).id
    assert got and all(alice in c.owners for c in got)
    before = len(got)
    sessions = make_sessionmaker(engine, pb.feed)
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await changes.bump(session, alice)
            raise RuntimeError("rolled back")
    assert len(got) == before
    async with sessions.begin() as session:
        revision = await changes.bump(session, alice)
        assert len(got) == before  # not yet: the transaction is open
    assert got[-1] == Change(revision, frozenset({alice}))


def test_notification_payloads_are_a_revision_and_ids() -> None:
    assert parse("12 abc def") == (12, ("abc", "def"))
    assert parse("x 1") is None and parse("") is None
    assert parse("5 a'b") == (5, ())  # nothing but ids gets through
    assert changes.payload(3, ("a" * 32,) * 1000) == "3"  # too long: the revision alone


@pytest.mark.postgres
async def test_another_process_commit_is_heard_and_a_lost_listener_recovers(
    engine: AsyncEngine, config: PhonebookConfig
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    other = Phonebook.build(engine, config)  # another process: its own feed
    here = Feed()
    got = heard(here)
    listener = PgFeedListener(engine.url, here, retry_s=0.05)
    listener.start()
    await asyncio.wait_for(listener.listening.wait(), 30)
    alice = (await other.accounts.register("Alice", "+12025550101", None)).id
    for _ in range(3000):
        if any(alice in c.owners for c in got):
            break
        await asyncio.sleep(0.01)
    assert any(alice in c.owners and c.revision for c in got)

    # the listening connection is killed: it listens again and tells subscribers to recover
    async with engine.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": APPLICATION_NAME},
        )
    for _ in range(3000):
        if listener.connections >= 2:
            break
        await asyncio.sleep(0.01)
    assert listener.connections >= 2
    assert got.count(Change(None, frozenset())) >= 2
    await listener.close()
