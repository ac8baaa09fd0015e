"""Access PINs: the second factor a caller types when their caller ID is not trusted, and the
owner's security audit (PIN set, removed, locked; number verified).

A PIN is hashed like a password. Tries are limited per account and per calling number with
growing waits (phonebook.ratelimit); the try that starts the waiting writes ``pin_locked`` to
the owner's audit, so they learn someone is guessing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import numbers
from phonebook.errors import InvalidInput, Unauthenticated
from phonebook.ids import as_utc
from phonebook.passwords import hash_password, verify_password
from phonebook.ratelimit import Guard
from phonebook.store.tables import AccountRow, AuditRow

MIN_PIN, MAX_PIN = 4, 12


@dataclass(frozen=True, slots=True)
class AuditEvent:
    kind: str
    via: str
    at: datetime


def _valid(pin: str) -> str:
    if not (pin.isascii() and pin.isdigit() and MIN_PIN <= len(pin) <= MAX_PIN):
        raise InvalidInput(f"A PIN is {MIN_PIN} to {MAX_PIN} digits.", code="invalid_pin")
    if len(set(pin)) == 1 or pin in "0123456789012" or pin in "9876543210987":
        raise InvalidInput("That PIN is too easy to guess.", code="invalid_pin")
    return pin


class Pins:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], guard: Guard) -> None:
        self._sessions = sessions
        self._guard = guard

    async def set(self, account_id: str, pin: str) -> None:
        hashed = await asyncio.to_thread(hash_password, _valid(pin))
        async with self._sessions.begin() as session:
            account = await session.get(AccountRow, account_id)
            if account is None:
                raise Unauthenticated("This account no longer exists.")
            account.pin_hash = hashed
            await numbers.record(session, account_id, "pin_set", "api")
        await self._guard.pin_accepted(account_id)  # a new PIN starts with a clean slate

    async def clear(self, account_id: str) -> None:
        async with self._sessions.begin() as session:
            account = await session.get(AccountRow, account_id)
            if account is None:
                raise Unauthenticated("This account no longer exists.")
            if account.pin_hash is not None:
                account.pin_hash = None
                await numbers.record(session, account_id, "pin_removed", "api")

    async def check(self, account_id: str, pin: str, number: str | None, via: str) -> bool:
        """Whether ``pin`` is the account's PIN. RateLimited while tries must wait."""
        taken = await self._guard.pin(account_id, number)
        async with self._sessions() as session:
            stored = await session.scalar(
                select(AccountRow.pin_hash).where(AccountRow.id == account_id)
            )
        ok = stored is not None and await asyncio.to_thread(verify_password, pin, stored)
        if ok:
            await self._guard.pin_accepted(account_id)
        elif taken.count == self._guard.rules.pin_account.free:
            async with self._sessions.begin() as session:
                await numbers.record(session, account_id, "pin_locked", via)
        return ok

    async def audit(self, account_id: str, limit: int = 100) -> list[AuditEvent]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(AuditRow.kind, AuditRow.via, AuditRow.at)
                .where(AuditRow.account_id == account_id)
                .order_by(AuditRow.at.desc(), AuditRow.id.desc())
                .limit(limit)
            )
            return [AuditEvent(kind, via, as_utc(at)) for kind, via, at in rows]
