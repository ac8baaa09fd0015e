"""Use cases on one's own card: entries and their grants. Only the owner ever writes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import validate
from phonebook.config import PhonebookConfig
from phonebook.errors import InvalidInput, NotFound
from phonebook.ids import new_id
from phonebook.model import PUBLIC, Entry, EntryKind, Level
from phonebook.store import changes, queries
from phonebook.store.tables import CircleRow, EntryRow, GrantRow


def _kind(kind: str) -> EntryKind:
    try:
        return EntryKind(kind)
    except ValueError:
        raise InvalidInput("An entry's kind is one of phone, email, address.") from None


class Cards:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: PhonebookConfig) -> None:
        self._sessions = sessions
        self._config = config

    async def entries(self, owner_id: str) -> list[Entry]:
        async with self._sessions() as session:
            card = (await queries.cards(session, [owner_id]))[owner_id]
            return sorted(card.entries, key=lambda e: (e.position, e.id))

    async def add(
        self,
        owner_id: str,
        kind: str,
        label: str,
        value: str,
        grants: Mapping[str, str] | None = None,
    ) -> Entry:
        entry_kind = _kind(kind)
        clean_label = validate.label(label)
        clean_value = validate.entry_value(entry_kind, value, self._config.default_region)
        levels = {a: validate.grant_level(entry_kind, lvl) for a, lvl in (grants or {}).items()}
        entry_id = new_id()
        async with self._sessions.begin() as session:
            # the owner's lock makes count-then-insert atomic: the cap and the new position
            # hold against concurrent adds (20 parallel adds at 45 once left 65 entries)
            await queries.lock_owner(session, owner_id)
            positions = list(
                await session.scalars(
                    select(EntryRow.position).where(EntryRow.owner_id == owner_id)
                )
            )
            if len(positions) >= validate.MAX_ENTRIES:
                raise InvalidInput(f"A card holds at most {validate.MAX_ENTRIES} entries.")
            await _check_audiences(session, owner_id, levels.keys())
            session.add(
                EntryRow(
                    id=entry_id,
                    owner_id=owner_id,
                    kind=entry_kind.value,
                    label=clean_label,
                    value=clean_value,
                    position=_next_position(positions),
                )
            )
            await session.flush()
            for audience, level in levels.items():
                if level != Level.HIDDEN:
                    session.add(GrantRow(entry_id=entry_id, audience=audience, level=int(level)))
            if levels.get(PUBLIC, Level.HIDDEN) != Level.HIDDEN:
                await session.flush()
                await queries.refresh_public(session, owner_id)
            await changes.bump(session, owner_id)
            return await _entry(session, owner_id, entry_id)

    async def update(
        self,
        owner_id: str,
        entry_id: str,
        *,
        label: str | None = None,
        value: str | None = None,
        position: int | None = None,
    ) -> Entry:
        async with self._sessions.begin() as session:
            # under the owner's lock: a concurrent delete is over (404) or has not begun
            await queries.lock_owner(session, owner_id)
            row = await _own_entry(session, owner_id, entry_id)
            kind = EntryKind(row.kind)
            if label is not None:
                row.label = validate.label(label)
            if value is not None:
                row.value = validate.entry_value(kind, value, self._config.default_region)
            if position is not None:
                if not 0 <= position < validate.MAX_ENTRIES:
                    raise InvalidInput(f"A position is 0 to {validate.MAX_ENTRIES - 1}.")
                row.position = position
            await changes.bump(session, owner_id)
            return await _entry(session, owner_id, entry_id)

    async def reorder(self, owner_id: str, entry_ids: Sequence[str]) -> list[Entry]:
        """Put the owner's entries in this order, in one change: every entry named once."""
        async with self._sessions.begin() as session:
            rows = await session.scalars(select(EntryRow).where(EntryRow.owner_id == owner_id))
            by_id = {row.id: row for row in rows}
            if len(entry_ids) != len(by_id) or set(entry_ids) != by_id.keys():
                raise InvalidInput("Name every entry of your card once (it may have changed).")
            for position, entry_id in enumerate(entry_ids):
                by_id[entry_id].position = position
            await changes.bump(session, owner_id)
        return await self.entries(owner_id)

    async def delete(self, owner_id: str, entry_id: str) -> None:
        async with self._sessions.begin() as session:
            await queries.lock_owner(session, owner_id)
            row = await _own_entry(session, owner_id, entry_id)
            await session.delete(row)
            await session.flush()
            await queries.refresh_public(session, owner_id)  # it may have been the public one
            await changes.bump(session, owner_id)

    async def set_grant(self, owner_id: str, entry_id: str, audience: str, level: str) -> Entry:
        async with self._sessions.begin() as session:
            # the owner's lock orders this after (or before) a delete of the entry or circle
            await queries.lock_owner(session, owner_id)
            row = await _own_entry(session, owner_id, entry_id)
            parsed = validate.grant_level(EntryKind(row.kind), level)
            await _check_audiences(session, owner_id, [audience])
            if parsed == Level.HIDDEN:  # hidden is the absence of a grant
                await session.execute(
                    delete(GrantRow).where(
                        GrantRow.entry_id == entry_id, GrantRow.audience == audience
                    )
                )
            else:  # an upsert: the same PUT twice is one grant
                await queries.upsert(
                    session,
                    GrantRow,
                    {"entry_id": entry_id, "audience": audience, "level": int(parsed)},
                    keys=["entry_id", "audience"],
                )
            if audience == PUBLIC:
                await queries.refresh_public(session, owner_id)
            await changes.bump(session, owner_id)
            return await _entry(session, owner_id, entry_id)


def _next_position(taken: list[int]) -> int:
    """After the last entry; if that is past the cap (positions can be edited), the first free
    one, so two entries never share a position through adds."""
    after = max(taken, default=-1) + 1
    if after < validate.MAX_ENTRIES:
        return after
    return min(set(range(validate.MAX_ENTRIES)) - set(taken))


async def _own_entry(session: AsyncSession, owner_id: str, entry_id: str) -> EntryRow:
    row = await session.get(EntryRow, entry_id)
    if row is None or row.owner_id != owner_id:
        raise NotFound("You have no entry with that id.", code="entry_not_found")
    return row


async def _check_audiences(session: AsyncSession, owner_id: str, audiences: Iterable[str]) -> None:
    wanted = {a for a in audiences if a != PUBLIC}
    if not wanted:
        return
    found = set(
        await session.scalars(
            select(CircleRow.id).where(CircleRow.owner_id == owner_id, CircleRow.id.in_(wanted))
        )
    )
    if wanted - found:
        raise NotFound(
            "An audience is 'public' or the id of one of your circles.", code="circle_not_found"
        )


async def _entry(session: AsyncSession, owner_id: str, entry_id: str) -> Entry:
    card = (await queries.cards(session, [owner_id]))[owner_id]
    return next(e for e in card.entries if e.id == entry_id)
