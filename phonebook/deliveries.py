"""Idempotent webhook handling: one delivery token, one piece of work, one answer.

A provider may deliver the same request several times, even at once. The first to claim the
token's row does the work; the others wait for its answer and return it, or get a retryable
``delivery_in_progress`` if it takes too long. Tokens are stored as a SHA-256 hash of the key
the transport builds (endpoint + token), so any length works and a token is bound to its
endpoint. A claim whose worker died is taken over after ``ABANDONED``; rows older than ``KEEP``
are purged by ``purge_periodically``, which ``phonebridge serve`` runs."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook.errors import Unavailable
from phonebook.ids import as_utc, utcnow
from phonebook.store import queries
from phonebook.store.tables import DeliveryRow

KEEP = timedelta(days=2)  # providers retry within minutes; two days is generous
ABANDONED = timedelta(minutes=2)  # a claim unanswered this long: its worker is gone
PURGE_EVERY_S = 3600.0

log = logging.getLogger(__name__)


class _Claimed:
    pass


CLAIMED = _Claimed()


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Deliveries:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        wait_s: float = 10.0,  # under Twilio's 15 s webhook timeout
        poll_s: float = 0.05,
    ) -> None:
        self._sessions = sessions
        self.wait_s = wait_s
        self.poll_s = poll_s

    async def once(self, key: str, work: Callable[[], Awaitable[str]]) -> str:
        """``work()``'s answer for the first delivery of ``key``; that same answer for every
        other delivery of it, concurrent or later."""
        hashed = digest(key)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_s
        while (state := await self._claim(hashed)) is not CLAIMED:
            if isinstance(state, str):
                return state
            if loop.time() >= deadline:
                raise Unavailable(
                    "This delivery is still being answered; retry it shortly.",
                    code="delivery_in_progress",
                )
            await asyncio.sleep(self.poll_s)
        try:
            answer = await work()
        except BaseException:
            # the work failed or was cancelled: let a retry of the delivery do it again
            await asyncio.shield(self._release(hashed))
            raise
        async with self._sessions.begin() as session:
            await session.execute(
                update(DeliveryRow).where(DeliveryRow.key == hashed).values(response=answer)
            )
        return answer

    async def _claim(self, hashed: str) -> _Claimed | str | None:
        """CLAIMED if this caller must do the work, the answer if it is known, else None."""
        async with self._sessions.begin() as session:
            # atomic: the primary key lets exactly one INSERT through, on both databases
            await queries.begin_write(session)
            if await queries.insert_if_absent(
                session, DeliveryRow, {"key": hashed, "response": None, "created_at": utcnow()}
            ):
                return CLAIMED
            row = (
                await session.execute(
                    select(DeliveryRow.response, DeliveryRow.created_at).where(
                        DeliveryRow.key == hashed
                    )
                )
            ).first()
            if row is None or row.response is not None:
                return None if row is None else str(row.response)
            if as_utc(row.created_at) < utcnow() - ABANDONED:
                taken = await session.execute(
                    update(DeliveryRow)
                    .where(
                        DeliveryRow.key == hashed,
                        DeliveryRow.response.is_(None),
                        DeliveryRow.created_at == row.created_at,
                    )
                    .values(created_at=utcnow())
                )
                if getattr(taken, "rowcount", 0):
                    return CLAIMED
            return None

    async def _release(self, hashed: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(DeliveryRow).where(DeliveryRow.key == hashed, DeliveryRow.response.is_(None))
            )

    async def forget_old(self) -> int:
        """Delete deliveries older than ``KEEP``; how many went."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(DeliveryRow).where(DeliveryRow.created_at < utcnow() - KEEP)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def purge_periodically(self, every_s: float = PURGE_EVERY_S) -> None:
        """``forget_old`` now and every ``every_s`` seconds, until cancelled."""
        while True:
            try:
                gone = await self.forget_old()
                if gone:
                    log.info("purged %d old webhook deliveries", gone)
            except Exception:  # the database may be away for a while; try again next time
                log.warning("could not purge old webhook deliveries", exc_info=True)
            await asyncio.sleep(every_s)
