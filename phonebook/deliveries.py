"""Idempotent webhook handling: remember the answer given to each delivery token."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook.ids import utcnow
from phonebook.store.tables import DeliveryRow

KEEP = timedelta(days=2)  # providers retry within minutes; two days is generous


class Deliveries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def answered(self, key: str) -> str | None:
        async with self._sessions() as session:
            row = await session.get(DeliveryRow, key)
            return row.response if row else None

    async def remember(self, key: str, response: str) -> None:
        try:
            async with self._sessions.begin() as session:
                session.add(DeliveryRow(key=key[:100], response=response, created_at=utcnow()))
        except IntegrityError:
            pass  # a concurrent duplicate answered first; either answer is the same call step

    async def forget_old(self) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(DeliveryRow).where(DeliveryRow.created_at < utcnow() - KEEP)
            )
