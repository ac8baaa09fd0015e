"""Proving a number with a one-time code.

``issue`` makes a code for one account's claim on one number: the bridge delivers it to the
number (a call that reads it, or an SMS; bridge.codes) and the holder types it into the API
(``confirm``); or, for ``callin``, the API shows it and the holder types it on the keypad when
calling the access number from that number (phonebook.callers). Only a hash is stored; codes
expire, allow a few tries, and are rate-limited per account, per number and per address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import numbers
from phonebook.accounts import Profile, load_profile
from phonebook.config import PhonebookConfig
from phonebook.errors import Conflict, NotFound, PhoneTaken, Unauthenticated
from phonebook.ids import as_utc, utcnow
from phonebook.phones import to_e164
from phonebook.ratelimit import Guard
from phonebook.store.tables import PhoneRow, VerificationCodeRow

Channel = Literal["call", "sms", "callin"]
CHANNELS: tuple[Channel, ...] = ("call", "sms", "callin")
CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class IssuedCode:
    account_id: str
    e164: str
    channel: Channel
    code: str  # for the deliverer (or, for callin, the account owner) only: never logged
    expires_at: datetime


def new_code(digits: int = CODE_DIGITS) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def code_hash(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


def code_matches(stored: str, *parts: str) -> bool:
    return hmac.compare_digest(stored, code_hash(*parts))


class Verification:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], config: PhonebookConfig, guard: Guard
    ) -> None:
        self._sessions = sessions
        self._config = config
        self._guard = guard

    async def _claim(self, session: AsyncSession, account_id: str, e164: str) -> PhoneRow:
        """The account's live claim on ``e164``, not yet proved."""
        row = await session.get(PhoneRow, (e164, account_id))
        if row is not None and row.verified:
            raise Conflict("You have verified that number already.", code="phone_verified")
        if row is None or as_utc(row.claimed_at) <= numbers.cutoff(self._config.claim_hours):
            raise NotFound("You have not registered that number.", code="phone_not_found")
        if await numbers.holder(session, e164) is not None:
            raise PhoneTaken("That number is already registered.")
        return row

    async def issue(self, account_id: str, phone: str, channel: Channel) -> IssuedCode:
        """A new code for the account's claim on ``phone`` (replacing an earlier one)."""
        e164 = to_e164(phone, self._config.default_region)
        async with self._sessions() as session:
            await self._claim(session, account_id, e164)
        await self._guard.send_code(account_id, e164)
        code = new_code()
        expires = utcnow() + CODE_LIFETIME
        async with self._sessions.begin() as session:
            await self._claim(session, account_id, e164)
            row = await session.get(VerificationCodeRow, (account_id, e164))
            if row is None:
                row = VerificationCodeRow(account_id=account_id, e164=e164)
                session.add(row)
            row.channel = channel
            row.code_hash = code_hash(account_id, e164, code)
            row.expires_at = expires
            row.attempts = 0
        return IssuedCode(account_id, e164, channel, code, expires)

    async def withdraw(self, issued: IssuedCode) -> None:
        """The code could not be delivered: forget it."""
        async with self._sessions.begin() as session:
            row = await session.get(VerificationCodeRow, (issued.account_id, issued.e164))
            if row is not None and code_matches(
                row.code_hash, issued.account_id, issued.e164, issued.code
            ):
                await session.delete(row)

    async def confirm(
        self, account_id: str, phone: str, code: str, address: str | None = None
    ) -> Profile:
        """The code sent to ``phone`` typed into the API: the account now holds the number."""
        e164 = to_e164(phone, self._config.default_region)
        scope = f"acct:{account_id}"
        await self._guard.enter_code(scope, address)
        refused = Unauthenticated("That code is not valid for this number (or has expired).")
        async with self._sessions.begin() as session:
            await self._claim(session, account_id, e164)
            row = await session.get(VerificationCodeRow, (account_id, e164))
            if row is None or row.channel == "callin":
                raise refused
            if as_utc(row.expires_at) < utcnow() or row.attempts >= MAX_ATTEMPTS:
                await session.delete(row)
                spent = True
            elif not code_matches(row.code_hash, account_id, e164, code.strip()):
                row.attempts += 1  # committed, then refused below
                spent = True
            else:
                spent = False
                await numbers.bind(session, account_id, e164, via="api")
                profile = await load_profile(session, account_id, self._config.claim_hours)
        if spent:
            raise refused
        await self._guard.code_accepted(scope)
        return profile


__all__ = ["CHANNELS", "Channel", "IssuedCode", "Verification", "code_hash", "new_code"]
