"""Callers on the access number: who a caller ID names, registration on first call, proving a
number by calling from it, and completing a phone-registered account on the web.

Caller ID is only a claim. The bridge decides whether to trust it for this call (attested by
the carrier, or the operator trusts the network) and tells these use cases: an untrusted caller
ID never gets a verified binding, and a call from a number never proves a claim some other
account made unless the caller also types that account's code or PIN.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import names, numbers, validate
from phonebook.accounts import Profile, load_profile
from phonebook.config import PhonebookConfig
from phonebook.errors import InvalidPhone, Unauthenticated
from phonebook.ids import as_utc, utcnow
from phonebook.passwords import hash_password, verify_password
from phonebook.phones import to_e164
from phonebook.ratelimit import Guard
from phonebook.store import changes, queries
from phonebook.store.tables import AccountRow, ClaimCodeRow, VerificationCodeRow
from phonebook.verification import code_hash, code_matches, new_code

CLAIM_CODE_DIGITS = 6
CLAIM_CODE_LIFETIME = timedelta(hours=24)
CLAIM_MAX_ATTEMPTS = 5
NEW_CALLER_NAME = "New caller"
PROVE_CANDIDATES = 5  # claims on one number a typed code or PIN is checked against


@dataclass(frozen=True, slots=True)
class CallerInfo:
    """What the store knows about a caller ID, before anyone trusts it."""

    e164: str | None  # None: withheld or not a number
    holder: str | None = None  # the account holding the number verified
    name: str = ""
    has_pin: bool = False
    claimed: bool = True  # the holder has completed the account on the web (a password)
    pending: bool = False  # other accounts claim the number, unproved


@dataclass(frozen=True, slots=True)
class Caller:
    account_id: str
    name: str
    claim_code: str | None = None  # read to the caller; completes the account on the web


class Callers:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: PhonebookConfig,
        guard: Guard,
        named: Callable[[str], None],
    ) -> None:
        self._sessions = sessions
        self._config = config
        self._guard = guard
        self._named = named  # tells the name listeners (Accounts.on_name_change)

    async def resolve(self, caller_id: str) -> CallerInfo:
        try:
            e164 = to_e164(caller_id, self._config.default_region)
        except InvalidPhone:
            return CallerInfo(None)
        async with self._sessions() as session:
            holder = await numbers.holder(session, e164)
            if holder is None:
                pending = await numbers.claimants(session, e164, self._config.claim_hours)
                return CallerInfo(e164, pending=bool(pending))
            account = await session.get(AccountRow, holder)
            assert account is not None
            code = await session.get(ClaimCodeRow, holder)
            return CallerInfo(
                e164,
                holder,
                account.name,
                has_pin=account.pin_hash is not None,
                claimed=account.password_hash is not None or code is None,
            )

    async def register(self, e164: str, *, verified: bool) -> Caller:
        """Registration on first call: an account for the number with a claim code. It holds
        the number only when ``verified`` (the bridge trusted the caller ID); otherwise it is
        an unverified claim like any other, proved later with a code sent to the number. An
        earlier unverified phone registration of the number is reused, with a new code."""
        async with self._sessions.begin() as session:
            reused = None if verified else await self._unclaimed(session, e164)
            account_id = reused or await numbers.create_account(
                session,
                NEW_CALLER_NAME,
                e164,
                None,
                verified=verified,
                claim_hours=self._config.claim_hours,
            )
            code = await _new_claim_code(session, account_id)
        return Caller(account_id, NEW_CALLER_NAME, claim_code=code)

    async def renew_code(self, account_id: str) -> str | None:
        """A fresh claim code for an account registered by phone and not completed yet (a new
        call reads the code again); None once it has a password."""
        async with self._sessions.begin() as session:
            account = await session.get(AccountRow, account_id)
            if account is None or account.password_hash is not None:
                return None
            if await session.get(ClaimCodeRow, account_id) is None:
                return None  # not registered by phone
            return await _new_claim_code(session, account_id)

    async def _unclaimed(self, session: AsyncSession, e164: str) -> str | None:
        for account_id in await numbers.claimants(session, e164, self._config.claim_hours):
            account = await session.get(AccountRow, account_id)
            code = await session.get(ClaimCodeRow, account_id)
            if account is not None and account.password_hash is None and code is not None:
                return account_id
        return None

    async def prove(self, e164: str, digits: str) -> Caller | None:
        """A trusted call from ``e164`` with ``digits`` typed: the account claiming the number
        whose call-in code or access PIN that is now holds it. None when nothing matches."""
        await self._guard.enter_code(f"num:{e164}", None)
        async with self._sessions() as session:
            found = await numbers.claimants(session, e164, self._config.claim_hours)
            candidates = found[:PROVE_CANDIDATES]
            codes = {
                row.account_id: row
                for row in await session.scalars(
                    select(VerificationCodeRow).where(
                        VerificationCodeRow.e164 == e164,
                        VerificationCodeRow.account_id.in_(candidates),
                        VerificationCodeRow.channel == "callin",
                    )
                )
            }
            rows = await session.execute(
                select(AccountRow.id, AccountRow.pin_hash).where(AccountRow.id.in_(candidates))
            )
            pins: dict[str, str | None] = {row[0]: row[1] for row in rows}
        match = None
        for account_id in candidates:
            row = codes.get(account_id)
            if (
                row is not None
                and as_utc(row.expires_at) > utcnow()
                and code_matches(row.code_hash, account_id, e164, digits)
            ):
                match = account_id
                break
            pin = pins.get(account_id)
            if pin is not None and await asyncio.to_thread(verify_password, digits, pin):
                match = account_id
                break
        if match is None:
            return None
        async with self._sessions.begin() as session:
            await numbers.bind(session, match, e164, via="call")
            account = await session.get(AccountRow, match)
            assert account is not None
            name = account.name
        await self._guard.code_accepted(f"num:{e164}")
        return Caller(match, name)

    async def claim(
        self, phone: str, code: str, name: str, password: str, address: str | None = None
    ) -> Profile:
        """Complete an account registered by phone: the code read on the call, a name and a
        password. It proves nothing about the number: an unverified claim stays unverified.
        Wrong codes count; after a few the caller must call again for a new one."""
        name = validate.name(name)
        e164 = to_e164(phone, self._config.default_region)
        await self._guard.enter_code(f"claim:{e164}", address)
        password_hash = await asyncio.to_thread(hash_password, validate.password(password))
        refused = Unauthenticated("That code is not valid for this number (or has expired).")
        profile: Profile | None = None
        async with self._sessions.begin() as session:
            holder = await numbers.holder(session, e164)
            owners = [holder] if holder else []
            owners += await numbers.claimants(session, e164, self._config.claim_hours)
            rows = [r for r in [await session.get(ClaimCodeRow, a) for a in owners] if r]
            alive = []
            for claim in rows:
                if as_utc(claim.expires_at) < utcnow() or claim.attempts >= CLAIM_MAX_ATTEMPTS:
                    continue  # spent: the next call from the number reads a new one
                alive.append(claim)
                if code_matches(claim.code_hash, claim.account_id, code.strip()):
                    account = await session.get(AccountRow, claim.account_id)
                    assert account is not None
                    account.name = name
                    account.password_hash = password_hash
                    await session.delete(claim)
                    index = names.index_name(name)
                    await queries.replace_name_keys(session, account.id, index)
                    await changes.bump(session, account.id)
                    profile = await load_profile(session, account.id, self._config.claim_hours)
                    break
            else:
                for claim in alive:
                    claim.attempts += 1  # committed, then refused below
        if profile is None:
            raise refused
        await self._guard.code_accepted(f"claim:{e164}")
        self._named(profile.name)
        return profile


async def _new_claim_code(session: AsyncSession, account_id: str) -> str:
    code = new_code(CLAIM_CODE_DIGITS)
    row = await session.get(ClaimCodeRow, account_id)
    if row is None:
        row = ClaimCodeRow(account_id=account_id)
        session.add(row)
    row.code_hash = code_hash(account_id, code)
    row.expires_at = utcnow() + CLAIM_CODE_LIFETIME
    row.attempts = 0
    return code
