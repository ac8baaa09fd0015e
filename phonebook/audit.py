"""The lookup audit, written off the request path in batches.

Why batches rather than the lookup's own transaction: the INSERT was the one write of an
otherwise read-only lookup, so it cost a round trip *and* a commit that waits for the WAL to
reach the disk (PostgreSQL), on every lookup. Batched, a lookup's transaction only reads; one
INSERT of many rows and one commit serve every lookup that arrived meanwhile. There is no
timer: the writer takes whatever is pending, writes it, and looks again, so when idle a row is
written at once and under load batches grow by themselves.

Guarantees:
- bounded: at most ``max_rows`` rows are unwritten (queued or in the batch being written); a
  lookup that finds it full waits for room (backpressure, never a dropped row);
- ``flush()`` returns once everything recorded before it is committed; ``lookups_of`` flushes
  first, so an owner's own process shows a lookup at once (another process: milliseconds later);
- a graceful stop (``close()``, called by the composition root before the database pool is
  disposed) writes everything; a hard kill loses at most the unwritten rows (≤ ``max_rows``).
- a row whose viewer or owner was deleted meanwhile is skipped, as the deletion's cascade would
  have removed it; any other error is retried with backoff, keeping the rows.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook.store.tables import LookupRow

log = logging.getLogger(__name__)

Row = dict[str, Any]
MAX_ROWS = 1000
RETRY_MAX_S = 5.0


_writers: weakref.WeakSet[asyncio.Task[None]] = weakref.WeakSet()


async def settle() -> None:
    """Wait for every audit writer of this event loop to finish what it has (for tests that
    build phonebooks without closing them, before they dispose of the engine)."""
    loop = asyncio.get_running_loop()
    mine = [t for t in list(_writers) if t.get_loop() is loop]
    await asyncio.gather(*mine, return_exceptions=True)


class LookupAudit:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], max_rows: int = MAX_ROWS):
        self._sessions = sessions
        self._max_rows = max_rows
        self._pending: list[Row] = []
        self._unwritten = 0  # pending + the batch being written
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Condition | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def _condition(self) -> asyncio.Condition:
        # bound to the loop that uses it: built on first use, not at import or build time
        loop = asyncio.get_running_loop()
        if self._changed is None or self._loop is not loop:
            self._loop, self._changed, self._task = loop, asyncio.Condition(), None
        return self._changed

    async def record(self, rows: list[Row]) -> None:
        """Queue ``rows`` (waits only while ``max_rows`` are unwritten). After ``close()``,
        writes them at once: nothing recorded is lost."""
        if not rows:
            return
        if self._closed:
            await self._write(rows)
            return
        changed = self._condition()
        async with changed:
            await changed.wait_for(lambda: self._unwritten < self._max_rows)
            self._pending.extend(rows)
            self._unwritten += len(rows)
            changed.notify_all()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(changed), name="lookup-audit")
            _writers.add(self._task)

    async def flush(self) -> None:
        """Return once every row recorded so far is committed."""
        if self._changed is None or self._loop is not asyncio.get_running_loop():
            return
        async with self._changed:
            await self._changed.wait_for(lambda: self._unwritten == 0)

    async def close(self, grace_s: float = 5.0) -> None:
        """Write what is pending (up to ``grace_s``), then stop the writer."""
        self._closed = True
        try:
            await asyncio.wait_for(self.flush(), grace_s)
        except TimeoutError:
            log.error("lookup audit: %d rows could not be written before stop", self._unwritten)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self, changed: asyncio.Condition) -> None:
        # ends when nothing is pending (the next record starts another): no task idles between
        # bursts, and a test's loop can close without one
        while True:
            async with changed:
                if not self._pending:
                    return
                batch, self._pending = self._pending, []
            await self._write_retrying(batch)
            async with changed:
                self._unwritten -= len(batch)
                changed.notify_all()

    async def _write_retrying(self, batch: list[Row]) -> None:
        left = list(batch)  # what is not yet committed, should a retry be needed
        wait = 0.1
        while True:
            try:
                try:
                    await self._write(left)
                except IntegrityError:
                    await self._write_each(left)
                return
            except Exception:  # the database is away: keep the rows, try again
                log.warning("lookup audit: writing %d rows failed; retrying", len(left))
                await asyncio.sleep(wait)
                wait = min(wait * 2, RETRY_MAX_S)

    async def _write(self, rows: list[Row]) -> None:
        async with self._sessions.begin() as session:
            await session.execute(insert(LookupRow), rows)

    async def _write_each(self, left: list[Row]) -> None:
        """Row by row, skipping those whose account is gone (the FK refuses them); ``left``
        shrinks as rows are committed or skipped."""
        while left:
            try:
                await self._write(left[:1])
            except IntegrityError:
                log.info("lookup audit: skipped a row of a deleted account")
            del left[0]
