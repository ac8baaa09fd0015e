"""Dial-through codes: how a phone's address book can call a number it may not see.

A contact's callable-but-hidden phone is written into the viewer's vCard as the access number
with a code dialled after it answers (``tel:<access number>;postd=pp<code>#``). The code is
per (viewer, owner, entry), random (00 and 12 digits: a guesser meets the access number's lookup
limits long before a hit), and useless to anyone else: it resolves only for the viewer it was
made for, identified by caller ID as on every call; the grant is checked again when it is
used. Revoked by deleting it (all of a viewer's at once, or one)."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook.errors import NOT_FOUND_MESSAGE, NotFound
from phonebook.ids import utcnow
from phonebook.ratelimit import Guard
from phonebook.store import queries
from phonebook.store.tables import DialCodeRow

CODE_DIGITS = 12
# codes start with 00: spelled names use the letter keys 2-9, so a code never reads as a name
PREFIX = "00"


def new_code() -> str:
    return PREFIX + "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def post_dial(access_number: str, code: str) -> str:
    """The tel: URI a phone dials: the access number, two pauses, the code and #."""
    return f"tel:{access_number};postd=pp{code}#"


class DialCodes:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], guard: Guard) -> None:
        self._sessions = sessions
        self._guard = guard  # a code costs a lookup: guessing meets the lookup limits

    async def codes_for(
        self, viewer_id: str, targets: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        """The viewer's code for each (owner, entry), made when missing."""
        if not targets:
            return {}
        async with self._sessions.begin() as session:
            found = await self._existing(session, viewer_id, {e for _, e in targets})
            missing = [t for t in targets if t not in found]
            if missing:
                rows: list[dict[str, object]] = [
                    {
                        "code": new_code(),
                        "viewer_id": viewer_id,
                        "owner_id": owner,
                        "entry_id": entry,
                        "created_at": utcnow(),
                    }
                    for owner, entry in missing
                ]
                # a concurrent request may make the same ones: theirs are kept, not an error
                await queries.insert_ignoring_duplicates(session, DialCodeRow, rows)
                found = await self._existing(session, viewer_id, {e for _, e in targets})
        return {t: found[t] for t in targets if t in found}

    async def _existing(
        self, session: AsyncSession, viewer_id: str, entries: Iterable[str]
    ) -> dict[tuple[str, str], str]:
        rows = await session.execute(
            select(DialCodeRow.owner_id, DialCodeRow.entry_id, DialCodeRow.code).where(
                DialCodeRow.viewer_id == viewer_id, DialCodeRow.entry_id.in_(list(entries))
            )
        )
        return {(o, e): c for o, e, c in rows}

    async def resolve(self, viewer_id: str, code: str) -> tuple[str, str]:
        """(owner, entry) of the viewer's code; NotFound, the same as for an absent name,
        for a code that is not this viewer's (or nobody's). The caller re-checks the grant."""
        async with self._sessions() as session:
            numbers = await queries.verified_phones(session, viewer_id)
        await self._guard.lookup(viewer_id, numbers, None)
        code = code.strip()
        valid = code.isdigit() and len(code) == len(PREFIX) + CODE_DIGITS
        async with self._sessions() as session:
            row = await session.get(DialCodeRow, code) if valid else None
        if row is None or row.viewer_id != viewer_id:
            raise NotFound(NOT_FOUND_MESSAGE)
        return row.owner_id, row.entry_id

    async def revoke_all(self, viewer_id: str) -> None:
        """Every code the viewer has stops working; new ones are made on the next sync."""
        async with self._sessions.begin() as session:
            await session.execute(delete(DialCodeRow).where(DialCodeRow.viewer_id == viewer_id))
