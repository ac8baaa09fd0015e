"""Announcing committed changes: ``bump`` gives accounts a new revision (``queries.bump``) and
notes the change on the session; the feed hears of it only once that transaction commits, and
nothing at all if it rolls back. On PostgreSQL the same transaction also sends
``NOTIFY phonebook_feed, '<revision> <owner ids>'``, which PostgreSQL delivers to every
listening process at commit (phonebook.store.pgfeed): a revision and ids, never a value."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from phonebook.feed import Feed
from phonebook.store import queries

CHANNEL = "phonebook_feed"
MAX_PAYLOAD = 7000  # PostgreSQL refuses 8000 bytes; past this only the revision is sent
_FEED = "phonebook_feed"
_PENDING = "phonebook_feed_pending"


class FeedSession(Session):
    """A session that publishes its transaction's changes to ``info["phonebook_feed"]``."""


@event.listens_for(FeedSession, "after_commit")
def _published(session: Session) -> None:
    pending: list[tuple[int, tuple[str, ...]]] = session.info.pop(_PENDING, [])
    feed: Feed | None = session.info.get(_FEED)
    if feed is not None:
        for revision, owners in pending:
            feed.publish(revision, owners)


@event.listens_for(FeedSession, "after_rollback")
def _dropped(session: Session) -> None:
    session.info.pop(_PENDING, None)


def make_sessionmaker(engine: AsyncEngine, feed: Feed) -> async_sessionmaker[AsyncSession]:
    info: dict[Any, Any] = {_FEED: feed}
    return async_sessionmaker(
        engine, expire_on_commit=False, sync_session_class=FeedSession, info=info
    )


def payload(revision: int, owners: tuple[str, ...]) -> str:
    text = " ".join([str(revision), *owners])
    return text if len(text) <= MAX_PAYLOAD else str(revision)


async def bump(session: AsyncSession, *account_ids: str) -> int:
    """``queries.bump``, announced to the feed once the transaction commits."""
    revision = await queries.bump(session, *account_ids)
    session.info.setdefault(_PENDING, []).append((revision, account_ids))
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(CHANNEL, payload(revision, account_ids))))
    return revision
