"""Use cases: registering, signing in, verifying numbers, and one's own profile."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import names, validate
from phonebook.config import PhonebookConfig
from phonebook.errors import InvalidPhone, NotFound, PhoneTaken, Unauthenticated
from phonebook.ids import as_utc, new_id, utcnow
from phonebook.passwords import DUMMY_HASH, hash_password, verify_password
from phonebook.phones import to_e164
from phonebook.store import queries
from phonebook.store.tables import AccountRow, ClaimCodeRow, PhoneRow


@dataclass(frozen=True, slots=True)
class Phone:
    e164: str
    verified: bool


CLAIM_CODE_DIGITS = 6
CLAIM_CODE_LIFETIME = timedelta(hours=24)
CLAIM_MAX_ATTEMPTS = 5
NEW_CALLER_NAME = "New caller"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling, by caller ID. ``claim_code`` is set only on the call that registered them."""

    account_id: str
    name: str
    claim_code: str | None = None


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
    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: PhonebookConfig) -> None:
        self._sessions = sessions
        self._config = config
        self._name_listeners: list[NameListener] = []

    def on_name_change(self, listener: NameListener) -> None:
        """Call ``listener`` with every display name set or changed (after it is stored):
        the bridge speaks it then, so a caller never waits for it."""
        self._name_listeners.append(listener)

    def _named(self, name: str) -> None:
        for listener in self._name_listeners:
            try:  # a listener's failure never fails the change the user made
                listener(name)
            except Exception:
                log.exception("name listener failed")

    async def register(self, name: str, phone: str, password: str | None) -> Profile:
        """Create an account. ``password`` None makes an account that cannot sign in on the web
        yet (registration from a phone call)."""
        name = validate.name(name)
        e164 = to_e164(phone, self._config.default_region)
        password_hash = (
            await asyncio.to_thread(hash_password, validate.password(password))
            if password is not None
            else None
        )
        verified = self._config.auto_verify_phones
        async with self._sessions.begin() as session:
            account_id = await _create_account(session, name, e164, password_hash, verified)
        self._named(name)
        return Profile(account_id, name, (), (Phone(e164, verified),))

    async def authenticate(self, phone: str, password: str) -> str:
        """The account id for these credentials. Unknown number and wrong password cost the
        same and answer the same."""
        try:
            e164 = to_e164(phone, self._config.default_region)
        except Exception:
            e164 = ""
        async with self._sessions() as session:
            row = await session.execute(
                select(AccountRow.id, AccountRow.password_hash)
                .join(PhoneRow, PhoneRow.account_id == AccountRow.id)
                .where(PhoneRow.e164 == e164)
            )
            found = row.first()
        stored = found.password_hash if found and found.password_hash else DUMMY_HASH
        ok = await asyncio.to_thread(verify_password, password, stored)
        if not (found and found.password_hash and ok):
            raise Unauthenticated("Wrong phone number or password.")
        return str(found.id)

    async def verify_phone(self, phone: str) -> str:
        """Mark a number verified (an operator command until calls verify numbers)."""
        e164 = to_e164(phone, self._config.default_region)
        async with self._sessions.begin() as session:
            row = await session.get(PhoneRow, e164)
            if row is None:
                raise NotFound("No account has that number.", code="phone_not_found")
            row.verified = True
            # the holder's memberships become real now: their whole phonebook may change
            await queries.bump(session, row.account_id)
            return row.account_id

    async def profile(self, account_id: str) -> Profile:
        async with self._sessions() as session:
            return await _profile(session, account_id)

    async def exists(self, account_id: str) -> bool:
        async with self._sessions() as session:
            return await session.get(AccountRow, account_id) is not None

    async def update_profile(
        self, account_id: str, name: str | None = None, aliases: list[str] | None = None
    ) -> Profile:
        async with self._sessions.begin() as session:
            account = await session.get(AccountRow, account_id)
            if account is None:
                raise Unauthenticated("This account no longer exists.")
            if name is not None:
                account.name = validate.name(name)
            if aliases is not None:
                account.aliases = list(validate.aliases(aliases))
            await queries.replace_name_keys(
                session, account_id, _keys(account.name, tuple(account.aliases))
            )
            await queries.bump(session, account_id)
            profile = await _profile(session, account_id)
        if name is not None:
            self._named(profile.name)
        return profile

    # -- callers: identification by caller ID, registration on first use ------------------

    async def identify_caller(self, caller_id: str) -> Caller | None:
        """The account calling from ``caller_id``, or None for a number nobody registered.

        Calling in from a number proves it as far as the telephone network can, so an
        account whose number was unverified is verified by this call."""
        try:
            e164 = to_e164(caller_id, self._config.default_region)
        except InvalidPhone:
            return None  # anonymous or malformed caller ID: nobody we can identify
        async with self._sessions.begin() as session:
            row = await session.get(PhoneRow, e164)
            if row is None:
                return None
            if not row.verified:
                row.verified = True
                await queries.bump(session, row.account_id)
            account = await session.get(AccountRow, row.account_id)
            assert account is not None
            return Caller(account.id, account.name)

    async def register_caller(self, caller_id: str) -> Caller:
        """Register an unknown caller on first use: a pending account tied to the number
        they call from, and a one-time code that completes it over the API."""
        e164 = to_e164(caller_id, self._config.default_region)
        code = "".join(secrets.choice("0123456789") for _ in range(CLAIM_CODE_DIGITS))
        async with self._sessions.begin() as session:
            account_id = await _create_account(session, NEW_CALLER_NAME, e164, None, True)
            session.add(
                ClaimCodeRow(
                    account_id=account_id,
                    code_hash=_code_hash(account_id, code),
                    expires_at=utcnow() + CLAIM_CODE_LIFETIME,
                    attempts=0,
                )
            )
        return Caller(account_id, NEW_CALLER_NAME, claim_code=code)

    async def claim(self, phone: str, code: str, name: str, password: str) -> Profile:
        """Complete an account registered by phone: the code read on the call, a name and a
        password. Wrong codes count; after a few the caller must call again for a new one."""
        name = validate.name(name)
        password_hash = await asyncio.to_thread(hash_password, validate.password(password))
        e164 = to_e164(phone, self._config.default_region)
        refused = Unauthenticated("That code is not valid for this number (or has expired).")
        profile: Profile | None = None
        async with self._sessions.begin() as session:
            phone_row = await session.get(PhoneRow, e164)
            claim = await session.get(ClaimCodeRow, phone_row.account_id) if phone_row else None
            if claim is None:
                raise refused
            if as_utc(claim.expires_at) < utcnow() or claim.attempts >= CLAIM_MAX_ATTEMPTS:
                await session.delete(claim)  # committed: this code is spent
            elif not hmac.compare_digest(claim.code_hash, _code_hash(claim.account_id, code)):
                claim.attempts += 1  # committed, then refused below
            else:
                account = await session.get(AccountRow, claim.account_id)
                assert account is not None
                account.name = name
                account.password_hash = password_hash
                await session.delete(claim)
                await queries.replace_name_keys(session, account.id, _keys(name, ()))
                await queries.bump(session, account.id)
                profile = await _profile(session, account.id)
        if profile is None:
            raise refused
        self._named(profile.name)
        return profile


async def _create_account(
    session: AsyncSession, name: str, e164: str, password_hash: str | None, verified: bool
) -> str:
    """One new account holding one number; PhoneTaken if anyone holds that number already."""
    if await session.get(PhoneRow, e164) is not None:
        raise PhoneTaken("That number is already registered.")
    account_id = new_id()
    session.add(
        AccountRow(
            id=account_id,
            name=name,
            aliases=[],
            password_hash=password_hash,
            revision=0,
            created_at=utcnow(),
        )
    )
    session.add(PhoneRow(e164=e164, account_id=account_id, verified=verified))
    try:
        await session.flush()
    except IntegrityError:  # a concurrent registration of the same number won
        raise PhoneTaken("That number is already registered.") from None
    await queries.replace_name_keys(session, account_id, _keys(name, ()))
    await queries.bump(session, account_id)
    return account_id


def _code_hash(account_id: str, code: str) -> str:
    return hashlib.sha256(f"{account_id}:{code}".encode()).hexdigest()


def _keys(name: str, aliases: tuple[str, ...]) -> frozenset[str]:
    return names.search_keys(names.index_name(name, aliases))


async def _profile(session: AsyncSession, account_id: str) -> Profile:
    account = await session.get(AccountRow, account_id)
    if account is None:
        raise Unauthenticated("This account no longer exists.")
    phones = await session.scalars(
        select(PhoneRow).where(PhoneRow.account_id == account_id).order_by(PhoneRow.e164)
    )
    return Profile(
        account.id,
        account.name,
        tuple(account.aliases or ()),
        tuple(Phone(p.e164, p.verified) for p in phones),
        account.language,
    )


__all__ = ["Accounts", "Phone", "Profile"]
