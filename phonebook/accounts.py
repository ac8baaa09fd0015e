"""Use cases: registering, signing in, and one's own profile. Proving numbers is in
phonebook.verification, callers on the phone in phonebook.callers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import names, numbers, validate
from phonebook.config import PhonebookConfig
from phonebook.errors import NotFound, Unauthenticated
from phonebook.passwords import DUMMY_HASH, hash_password, verify_password
from phonebook.phones import to_e164
from phonebook.ratelimit import Guard
from phonebook.store import changes, queries
from phonebook.store.tables import AccountRow, PhoneRow


@dataclass(frozen=True, slots=True)
class Phone:
    e164: str
    verified: bool


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    name: str
    aliases: tuple[str, ...]
    phones: tuple[Phone, ...]
    language: str = "en"  # phonebook/language.py

    @property
    def phone(self) -> Phone:
        return self.phones[0]


log = logging.getLogger(__name__)

NameListener = Callable[[str], None]


class Accounts:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], config: PhonebookConfig, guard: Guard
    ) -> None:
        self._sessions = sessions
        self._config = config
        self._guard = guard
        self._name_listeners: list[NameListener] = []

    def on_name_change(self, listener: NameListener) -> None:
        """Call ``listener`` with every display name set or changed (after it is stored):
        the bridge speaks it then, so a caller never waits for it."""
        self._name_listeners.append(listener)

    def named(self, name: str) -> None:
        for listener in self._name_listeners:
            try:  # a listener's failure never fails the change the user made
                listener(name)
            except Exception:
                log.exception("name listener failed")

    async def register(
        self, name: str, phone: str, password: str | None, address: str | None = None
    ) -> Profile:
        """Create an account claiming ``phone``. The claim is unverified until the account
        proves the number (phonebook.verification); it never blocks anyone else's claim.
        ``password`` None makes an account that cannot sign in on the web yet."""
        await self._guard.register(address)
        name = validate.name(name)
        e164 = to_e164(phone, self._config.default_region)
        password_hash = (
            await asyncio.to_thread(hash_password, validate.password(password))
            if password is not None
            else None
        )
        async with self._sessions.begin() as session:
            await numbers.purge(session, self._config.claim_hours)
            account_id = await numbers.create_account(
                session,
                name,
                e164,
                password_hash,
                verified=self._config.auto_verify_phones,
                claim_hours=self._config.claim_hours,
            )
            profile = await load_profile(session, account_id, self._config.claim_hours)
        self.named(name)
        return profile

    async def authenticate(self, phone: str, password: str, address: str | None = None) -> str:
        """The account id for these credentials: the number's verified holder, or while nobody
        has proved it, its most recent claim. Limits are checked before the password is hashed;
        unknown numbers and wrong passwords cost the same and answer the same."""
        try:
            e164 = to_e164(phone, self._config.default_region)
        except Exception:
            e164 = ""
        login = e164 or "invalid"
        await self._guard.login(login, address)
        async with self._sessions() as session:
            account_id = await numbers.holder(session, e164) if e164 else None
            if account_id is None and e164:
                found = await numbers.claimants(session, e164, self._config.claim_hours)
                account_id = found[0] if found else None
            stored = (
                await session.scalar(
                    select(AccountRow.password_hash).where(AccountRow.id == account_id)
                )
                if account_id
                else None
            )
        ok = await asyncio.to_thread(verify_password, password, stored or DUMMY_HASH)
        if not (account_id and stored and ok):
            raise Unauthenticated("Wrong phone number or password.")
        await self._guard.login_succeeded(login, address)
        return account_id

    async def verify_phone(self, phone: str) -> str:
        """Operator: mark a number proved for the account that claimed it most recently."""
        e164 = to_e164(phone, self._config.default_region)
        async with self._sessions.begin() as session:
            account_id = await numbers.holder(session, e164)
            if account_id is not None:
                return account_id
            found = await numbers.claimants(session, e164, self._config.claim_hours)
            if not found:
                raise NotFound("No account has that number.", code="phone_not_found")
            await numbers.bind(session, found[0], e164, via="operator")
            return found[0]

    async def profile(self, account_id: str) -> Profile:
        async with self._sessions() as session:
            return await load_profile(session, account_id, self._config.claim_hours)

    async def exists(self, account_id: str) -> bool:
        async with self._sessions() as session:
            return await session.get(AccountRow, account_id) is not None

    async def update_profile(
        self, account_id: str, name: str | None = None, aliases: list[str] | None = None
    ) -> Profile:
        async with self._sessions.begin() as session:
            # The name keys derive from name + aliases: read, change and re-derive them under
            # the owner's lock (queries.lock_owner), so a concurrent PATCH of the other field
            # cannot write keys from a stale name (lookups once missed the new name 33/60).
            await queries.lock_owner(session, account_id)
            account = await session.get(AccountRow, account_id)
            if account is None:
                raise Unauthenticated("This account no longer exists.")
            if name is not None:
                account.name = validate.name(name)
            if aliases is not None:
                account.aliases = list(validate.aliases(aliases))
            index = names.index_name(account.name, tuple(account.aliases))
            await queries.replace_name_keys(session, account_id, index)
            await changes.bump(session, account_id)
            profile = await load_profile(session, account_id, self._config.claim_hours)
        if name is not None:
            self.named(profile.name)
        return profile


async def load_profile(session: AsyncSession, account_id: str, claim_hours: float) -> Profile:
    account = await session.get(AccountRow, account_id)
    if account is None:
        raise Unauthenticated("This account no longer exists.")
    phones = await session.scalars(
        select(PhoneRow)
        .where(PhoneRow.account_id == account_id, numbers.live(claim_hours))
        .order_by(PhoneRow.e164)
    )
    return Profile(
        account.id,
        account.name,
        tuple(account.aliases or ()),
        tuple(Phone(p.e164, p.verified) for p in phones),
        account.language,
    )


__all__ = ["Accounts", "Phone", "Profile", "load_profile"]
