"""Other processes' commits, heard through PostgreSQL ``LISTEN phonebook_feed``.

One dedicated asyncpg connection per serve process (not one of the pool's). Every
notification becomes a feed event here. When the connection drops, it is opened again with a
growing pause, and once listening again the feed gets a "recover" event (revision None):
whatever was committed while nobody listened is found from the revision counter."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg
from sqlalchemy.engine import URL

from phonebook.feed import Feed
from phonebook.store.changes import CHANNEL

log = logging.getLogger(__name__)
APPLICATION_NAME = "phonebridge-feed"  # how the listener shows in pg_stat_activity


def parse(payload: str) -> tuple[int, tuple[str, ...]] | None:
    """``'<revision> <owner id> …'`` → (revision, ids); None for anything else."""
    parts = payload.split()
    if not parts or not parts[0].isdigit():
        return None
    ids = tuple(p for p in parts[1:] if p.isalnum() and len(p) <= 64)
    return int(parts[0]), ids


class PgFeedListener:
    def __init__(self, url: URL, feed: Feed, *, retry_s: float = 0.5, max_retry_s: float = 10):
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._feed = feed
        self._retry_s = retry_s
        self._max_retry_s = max_retry_s
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()  # set while a connection listens
        self.connections = 0  # how many times it (re)connected

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        parsed = parse(payload)
        if parsed is None:
            log.warning("ignored a malformed %s notification", CHANNEL)
            return
        self._feed.publish(*parsed)

    async def _run(self) -> None:
        pause = self._retry_s
        while True:
            try:
                await self._listen_once()
                pause = self._retry_s  # it was listening: the next try comes soon
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning(
                    "feed listener: %s; listening again in %.1f s", type(exc).__name__, pause
                )
            finally:
                self.listening.clear()
            await asyncio.sleep(pause)
            pause = min(pause * 2, self._max_retry_s)

    async def _listen_once(self) -> None:
        """Listen until the connection is lost."""
        lost = asyncio.Event()
        conn = await asyncpg.connect(
            self._dsn, timeout=10, server_settings={"application_name": APPLICATION_NAME}
        )
        try:
            conn.add_termination_listener(lambda _c: lost.set())
            await conn.add_listener(CHANNEL, self._heard)
            self.connections += 1
            self.listening.set()
            self._feed.publish(None)  # anything committed while nobody listened
            while not lost.is_set() and not conn.is_closed():
                # a dead peer is noticed by a cheap query, not only by the socket
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=15)
                if not lost.is_set():
                    await conn.fetchval("SELECT 1", timeout=10)
        finally:
            if not conn.is_closed():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), timeout=2)
