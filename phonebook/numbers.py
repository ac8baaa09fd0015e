"""Claims on numbers, inside one transaction: the rules every use case that creates, proves or
drops a claim goes through.

- Any number of accounts may *claim* a number; a claim is unverified until the account proves
  it (phonebook.verification, phonebook.callers). Unverified claims expire (``claim_hours``).
- At most one account *holds* a number verified (a partial unique index enforces it, so a race
  between two proofs ends in PhoneTaken for the second, never in two holders).
- When an account proves a number, every other claim on it is dropped with nothing said to
  anyone; an account left with no claim at all never proved a number (proofs are never taken
  away) and is deleted with everything it made: nobody ever shared anything with it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from phonebook import names
from phonebook.errors import PhoneTaken
from phonebook.ids import new_id, utcnow
from phonebook.store import changes, queries
from phonebook.store.tables import AccountRow, AuditRow, PhoneRow, VerificationCodeRow


def cutoff(claim_hours: float) -> datetime:
    return utcnow() - timedelta(hours=claim_hours)


def live(claim_hours: float) -> ColumnElement[bool]:
    """Claims that count: verified ones, and unverified ones younger than ``claim_hours``."""
    return PhoneRow.verified | (PhoneRow.claimed_at > cutoff(claim_hours))


async def holder(session: AsyncSession, e164: str) -> str | None:
    """The account holding ``e164`` verified, if any."""
    return await session.scalar(
        select(PhoneRow.account_id).where(PhoneRow.e164 == e164, PhoneRow.verified)
    )


async def claimants(session: AsyncSession, e164: str, claim_hours: float) -> list[str]:
    """Accounts with a live unverified claim on ``e164``, newest first."""
    rows = await session.scalars(
        select(PhoneRow.account_id)
        .where(PhoneRow.e164 == e164, ~PhoneRow.verified, live(claim_hours))
        .order_by(PhoneRow.claimed_at.desc(), PhoneRow.account_id)
    )
    return list(rows)


async def create_account(
    session: AsyncSession,
    name: str,
    e164: str,
    password_hash: str | None,
    *,
    verified: bool,
    claim_hours: float,
) -> str:
    """A new account claiming ``e164`` (holding it when ``verified``). PhoneTaken only when
    another account holds the number verified: unverified claims never block anyone."""
    await purge(session, claim_hours, e164)
    if await holder(session, e164) is not None:
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
    session.add(PhoneRow(e164=e164, account_id=account_id, verified=False, claimed_at=utcnow()))
    await session.flush()
    await queries.replace_name_keys(session, account_id, names.index_name(name))
    await changes.bump(session, account_id)
    if verified:
        await bind(session, account_id, e164, via="register")
    return account_id


async def bind(session: AsyncSession, account_id: str, e164: str, *, via: str) -> None:
    """``account_id`` has proved ``e164``: it holds it from now on; other claims are dropped."""
    row = await session.get(PhoneRow, (e164, account_id))
    if row is None:
        session.add(PhoneRow(e164=e164, account_id=account_id, verified=True, claimed_at=utcnow()))
    else:
        row.verified = True
    try:
        await session.flush()
    except IntegrityError:  # another account proved it first (the partial unique index)
        raise PhoneTaken("That number is already registered.") from None
    others = list(
        await session.scalars(
            select(PhoneRow.account_id).where(
                PhoneRow.e164 == e164, PhoneRow.account_id != account_id
            )
        )
    )
    if others:
        await session.execute(
            delete(PhoneRow).where(PhoneRow.e164 == e164, PhoneRow.account_id.in_(others))
        )
        await session.execute(delete(VerificationCodeRow).where(VerificationCodeRow.e164 == e164))
        await _delete_numberless(session, others)
    await record(session, account_id, "phone_verified", via)
    # the holder's memberships become real now: their whole phonebook may change
    await changes.bump(session, account_id)


async def purge(session: AsyncSession, claim_hours: float, e164: str | None = None) -> None:
    """Drop expired unverified claims: always those on ``e164``, now and then everyone's."""
    if e164 is None and random.random() > 0.05:
        return
    expired = select(PhoneRow.account_id).where(
        ~PhoneRow.verified, PhoneRow.claimed_at <= cutoff(claim_hours)
    )
    if e164 is not None:
        expired = expired.where(PhoneRow.e164 == e164)
    accounts = list(await session.scalars(expired))
    if not accounts:
        return
    await session.execute(
        delete(PhoneRow).where(
            ~PhoneRow.verified,
            PhoneRow.claimed_at <= cutoff(claim_hours),
            PhoneRow.account_id.in_(accounts),
        )
    )
    await _delete_numberless(session, accounts)


async def _delete_numberless(session: AsyncSession, account_ids: list[str]) -> None:
    still = select(PhoneRow.account_id).where(PhoneRow.account_id.in_(account_ids))
    kept = set(await session.scalars(still))
    gone = [a for a in account_ids if a not in kept]
    if gone:  # their cards, circles, codes and sessions go with them (ON DELETE CASCADE)
        await session.execute(delete(AccountRow).where(AccountRow.id.in_(gone)))


async def record(session: AsyncSession, account_id: str, kind: str, via: str) -> None:
    """An entry in the owner's security audit."""
    session.add(AuditRow(account_id=account_id, kind=kind, via=via, at=utcnow()))


async def count_claims(session: AsyncSession, account_id: str) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(PhoneRow).where(PhoneRow.account_id == account_id)
        )
        or 0
    )
