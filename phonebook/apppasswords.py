"""App passwords: one per device (a phone's address book over CardDAV), each revocable, and
HTTP Basic sign-in with the account's number and either an app password or the account's
own password.

An app password is 100 random bits shown once; only its SHA-256 is stored (it is random and
long, so a slow hash adds nothing). Every failed sign-in goes through
``Accounts.authenticate``, so guesses count against the same login limits as the API's."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import numbers, validate
from phonebook.accounts import Accounts
from phonebook.config import PhonebookConfig
from phonebook.errors import InvalidInput, NotFound
from phonebook.ids import as_utc, new_id, utcnow
from phonebook.phones import to_e164
from phonebook.store.tables import AppPasswordRow

MAX_PER_ACCOUNT = 20
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: typed on a phone
USE_RECORDED_EVERY = timedelta(minutes=10)  # last_used_at is this precise
_CACHE_S = 60.0  # a device asks many times a minute: the account password is hashed once


@dataclass(frozen=True, slots=True)
class AppPassword:
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.strip().lower().encode()).hexdigest()


def _new_secret() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(20))
    return "-".join(chars[i : i + 4] for i in range(0, 20, 4))


class AppPasswords:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: PhonebookConfig,
        accounts: Accounts,
    ) -> None:
        self._sessions = sessions
        self._config = config
        self._accounts = accounts
        self._signed_in: dict[str, tuple[str, float]] = {}  # digest → (account, until)

    async def create(self, account_id: str, name: str) -> tuple[AppPassword, str]:
        """A new app password: its record and the secret, which is never shown again."""
        clean = validate.name(name, "app password name")
        secret = _new_secret()
        async with self._sessions.begin() as session:
            count = await session.scalar(
                select(func.count()).where(AppPasswordRow.account_id == account_id)
            )
            if (count or 0) >= MAX_PER_ACCOUNT:
                raise InvalidInput(f"At most {MAX_PER_ACCOUNT} app passwords; revoke one first.")
            row = AppPasswordRow(
                id=new_id(),
                account_id=account_id,
                name=clean,
                secret_hash=_digest(secret),
                created_at=utcnow(),
            )
            session.add(row)
        return AppPassword(row.id, row.name, row.created_at, None), secret

    async def list(self, account_id: str) -> list[AppPassword]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AppPasswordRow)
                .where(AppPasswordRow.account_id == account_id)
                .order_by(AppPasswordRow.created_at, AppPasswordRow.id)
            )
            return [
                AppPassword(
                    r.id,
                    r.name,
                    as_utc(r.created_at),
                    as_utc(r.last_used_at) if r.last_used_at else None,
                )
                for r in rows
            ]

    async def revoke(self, account_id: str, password_id: str) -> None:
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(AppPasswordRow).where(
                    AppPasswordRow.id == password_id, AppPasswordRow.account_id == account_id
                )
            )
        if not getattr(result, "rowcount", 0):
            raise NotFound("You have no app password with that id.", code="app_password_not_found")

    async def sign_in(self, username: str, password: str, address: str | None = None) -> str:
        """The account for HTTP Basic credentials: the account's number as the user name, an
        app password or the account's password. Unauthenticated (or RateLimited) otherwise."""
        digest = _digest(password)
        async with self._sessions() as session:
            row = await session.scalar(
                select(AppPasswordRow).where(AppPasswordRow.secret_hash == digest)
            )
            found = row is not None and await self._names(session, username, row.account_id)
        if row is not None and found:
            now = utcnow()
            last = as_utc(row.last_used_at) if row.last_used_at else None
            if last is None or now - last > USE_RECORDED_EVERY:  # not a write per request
                async with self._sessions.begin() as session:
                    await session.execute(
                        update(AppPasswordRow)
                        .where(AppPasswordRow.id == row.id)
                        .values(last_used_at=now)
                    )
            return row.account_id
        key = _digest(f"{username}\n{password}")
        cached = self._signed_in.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        account_id = await self._accounts.authenticate(username, password, address)
        if len(self._signed_in) > 10_000:
            self._signed_in.clear()
        self._signed_in[key] = (account_id, time.monotonic() + _CACHE_S)
        return account_id

    async def _names(self, session: AsyncSession, username: str, account_id: str) -> bool:
        try:
            e164 = to_e164(username, self._config.default_region)
        except InvalidInput:
            return False
        return await numbers.holder(session, e164) == account_id
