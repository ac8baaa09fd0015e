"""The change counter behind sync tokens, without one row that serialises every write.

SQLite has one writer at a time, so the one-row ``revision_counter`` stays: a revision is taken
under the write lock, and commits happen in revision order.

PostgreSQL: revisions come from the sequence ``revision_seq`` (``nextval`` locks nothing until
commit, so writers to different owners no longer queue on one row). Commit order is then no
longer revision order: T1 takes 10, T2 takes 11, T2 commits, a sync reads "11" and T1's change
(10) commits after it. Handing out 11 as the token would lose T1's change for good. A token is
therefore the **horizon**: a revision below which every transaction has ended (committed and
visible, or rolled back), never simply the highest revision taken.

How the horizon is known, from PostgreSQL's own bookkeeping and nothing written per sync:

1. ``allocate`` makes sure the writer has a transaction id *before* it takes a revision.
2. A sync reads the sequence's ``last_value`` V, then (a later statement) the ids B of the
   transactions of this database still running (``pg_stat_activity.backend_xid``). Any
   transaction holding a revision ≤ V had its id before V was read: it has ended (its change is
   visible to every later statement, or rolled back) or it is in B. (V, B) is a checkpoint,
   kept in this process.
3. A checkpoint is safe once no id of its B is running in a later snapshot
   (``pg_current_snapshot()``: in its xip list, or at or above its xmax, which since
   PostgreSQL 14 is the latest *completed* id + 1, not the next id to be given out; a first
   version missed that and lost a change in 1 of ~7 runs of the concurrent-writers test).
   The token is the highest safe V. If checkpoint j is safe, every earlier one is (what still
   ran at i and still runs now also ran at j). Transactions that begin later, or run in other
   databases of the cluster, never hold a sync back; a transaction of this database running
   for long does, until it ends. While writers are in flight a sync polls a few times; failing
   that, it hands out an older safe checkpoint, or the client's own token: lower is never
   wrong, only more is sent again next time.

The sequence must keep ``CACHE 1`` (the default): with a cache, a backend could hand out a value
below V after V was read, from a transaction that began later.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import NamedTuple

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from phonebook.store.tables import RevisionCounter

SEQUENCE = "revision_seq"
CHECKPOINTS_KEPT = 64
POLLS = 5  # a sync waits at most this many short polls for in-flight writers to end
POLL_S = 0.002


def postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def allocate(session: AsyncSession) -> int:
    """A new revision for the session's transaction (a write)."""
    if postgres(session):
        # the transaction id first (a MATERIALIZED CTE runs before the outer select), so the
        # horizon's "ids below the snapshot's xmax" covers this writer (see above)
        revision = await session.scalar(
            text(
                "WITH x AS MATERIALIZED (SELECT pg_current_xact_id())"
                f" SELECT nextval('{SEQUENCE}') FROM x"
            )
        )
    else:
        revision = await session.scalar(
            update(RevisionCounter)
            .where(RevisionCounter.id == 1)
            .values(value=RevisionCounter.value + 1)
            .returning(RevisionCounter.value)
        )
    assert revision is not None
    return int(revision)


async def latest(session: AsyncSession) -> int:
    """The highest revision taken so far (maybe not committed yet on PostgreSQL)."""
    if postgres(session):
        row = (await session.execute(text(f"SELECT last_value, is_called FROM {SEQUENCE}"))).one()
        return int(row.last_value) if row.is_called else int(row.last_value) - 1
    value = await session.scalar(select(RevisionCounter.value).where(RevisionCounter.id == 1))
    return int(value or 0)


class _Snapshot(NamedTuple):
    xmax: int  # 64-bit (xid8); ids at or above it are still running too (PostgreSQL 14+)
    xip: frozenset[int]  # 64-bit ids below xmax still running

    def running(self, xid: int) -> bool:
        return xid >= self.xmax or xid in self.xip

    def widen(self, xid32: int) -> int:
        """A 32-bit id (pg_stat_activity's) as the 64-bit id it is, near this snapshot."""
        diff = (xid32 - self.xmax) & 0xFFFFFFFF
        return self.xmax + (diff - (1 << 32) if diff >= 1 << 31 else diff)


_SNAPSHOT = (
    "pg_snapshot_xmax(pg_current_snapshot())::text,"
    " array(SELECT x::text FROM pg_snapshot_xip(pg_current_snapshot()) AS x)"
)


async def _snapshot(session: AsyncSession) -> _Snapshot:
    xmax, xip = (await session.execute(text(f"SELECT {_SNAPSHOT}"))).one()
    return _Snapshot(int(xmax), frozenset(int(x) for x in xip or ()))


async def _this_database_writers(session: AsyncSession) -> frozenset[int]:
    """64-bit ids of this database's running transactions that have an id (other than ours).
    The status table is cached per transaction, so it is cleared first."""
    row = (
        await session.execute(
            text(
                "SELECT array(SELECT backend_xid::text FROM pg_stat_activity"
                " WHERE datname = current_database() AND backend_xid IS NOT NULL"
                f" AND pid <> pg_backend_pid()), {_SNAPSHOT}"
                " FROM (SELECT pg_stat_clear_snapshot()) AS cleared"
            )
        )
    ).one()
    near = _Snapshot(int(row[1]), frozenset())
    return frozenset(near.widen(int(x)) for x in row[0] or ())


class Horizon:
    """This process's checkpoints (see the module docstring). One per Directory."""

    def __init__(self) -> None:
        self._checkpoints: deque[tuple[int, frozenset[int]]] = deque(maxlen=CHECKPOINTS_KEPT)
        self._safe = 0

    async def read(self, session: AsyncSession) -> tuple[int, int]:
        """(horizon, latest): every change with a revision ≤ horizon is visible to the
        session's statements from now on (READ COMMITTED); latest is the highest revision
        taken, for telling a token from the future. Run it before reading what changed."""
        taken = await latest(session)
        if not postgres(session):
            return taken, taken  # one writer at a time: commit order is revision order
        self._checkpoints.append((taken, await _this_database_writers(session)))
        for attempt in range(POLLS + 1):
            self._promote(await _snapshot(session))
            if self._safe >= taken or attempt == POLLS:
                break
            await asyncio.sleep(POLL_S)
        return min(self._safe, taken), taken

    def _promote(self, now: _Snapshot) -> None:
        # the newest safe checkpoint wins; every older one is then safe too
        for i in range(len(self._checkpoints) - 1, -1, -1):
            revision, writers = self._checkpoints[i]
            if not any(now.running(xid) for xid in writers):
                self._safe = max(self._safe, revision)
                for _ in range(i + 1):
                    self._checkpoints.popleft()
                return
