"""The change feed: one event per committed change, in this process.

An event is a revision and the owners whose view changed (never a value). Publishers are the
store's commit hook (phonebook.store.changes) and, on PostgreSQL, the LISTEN connection
(phonebook.store.pgfeed) that carries other processes' commits here. A revision of None means
"something may have been missed" (a listener reconnected): subscribers recover from the
store's revision counter, so a lost event only ever merges into a later one.

Subscribers are plain callbacks run in the publisher's thread (the event loop's): they must
not block. ``Inbox`` is the usual subscriber: it merges everything that arrives while its
reader is busy, so a slow reader falls behind by one merged event, never by a queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Change:
    revision: int | None  # None: recover from the revision counter
    owners: frozenset[str]


Subscriber = Callable[[Change], None]


class Feed:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.published = 0  # events seen, for tests and metrics

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber`` on every event from now on; returns the unsubscribe."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, revision: int | None, owners: Iterable[str] = ()) -> None:
        change = Change(revision, frozenset(owners))
        self.published += 1
        for subscriber in list(self._subscribers):
            try:
                subscriber(change)
            except Exception:  # one broken subscriber must not stop the others
                log.exception("a feed subscriber failed")


class Inbox:
    """Events merged until read: the highest revision and the union of the owners."""

    def __init__(self, feed: Feed) -> None:
        self._ready = asyncio.Event()
        self._revision: int | None = None
        self._owners: set[str] = set()
        self._recover = False
        self.close = feed.subscribe(self._receive)

    def _receive(self, change: Change) -> None:
        if change.revision is None:
            self._recover = True
        elif self._revision is None or change.revision > self._revision:
            self._revision = change.revision
        self._owners |= change.owners
        self._ready.set()

    def wake(self) -> None:
        """Make the reader look at the store again, as after a missed event."""
        self._receive(Change(None, frozenset()))

    async def next(self) -> Change:
        """Everything since the last call, merged (waits for at least one event)."""
        await self._ready.wait()
        self._ready.clear()
        change = Change(None if self._recover else self._revision, frozenset(self._owners))
        self._revision, self._owners, self._recover = None, set(), False
        return change
