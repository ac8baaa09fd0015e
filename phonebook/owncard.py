"""One's own card as a vCard: exported whole, imported all or nothing.

An import makes the card what the vCard says: the name, the aliases (NICKNAME), and the
entries. An entry already on the card with the same kind and value keeps its id, position
and grants (a re-import does not undo what the owner granted); new entries start hidden;
entries the vCard no longer has are deleted. One transaction: a refused line changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import names, vcard
from phonebook.config import PhonebookConfig
from phonebook.errors import Unauthenticated
from phonebook.ids import new_id
from phonebook.store import changes, queries
from phonebook.store.tables import AccountRow, EntryRow


class OwnCard:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: PhonebookConfig,
        named: Callable[[str], None],
    ) -> None:
        self._sessions = sessions
        self._config = config
        self._named = named  # the name voice is prepared when a name is set

    async def export(self, owner_id: str) -> str:
        async with self._sessions() as session:
            card = (await queries.cards(session, [owner_id])).get(owner_id)
        if card is None:
            raise Unauthenticated("This account no longer exists.")
        return vcard.own_card(card)

    async def import_(self, owner_id: str, text: str) -> str:
        """Replace the owner's card by the vCard ``text``; returns the card as now exported."""
        imported = vcard.parse(text, self._config.default_region)  # refused before any write
        async with self._sessions.begin() as session:
            await queries.lock_owner(session, owner_id)
            account = await session.get(AccountRow, owner_id)
            if account is None:
                raise Unauthenticated("This account no longer exists.")
            account.name, account.aliases = imported.name, list(imported.aliases)
            await queries.replace_name_keys(
                session, owner_id, names.index_name(imported.name, tuple(imported.aliases))
            )
            rows = list(
                await session.scalars(select(EntryRow).where(EntryRow.owner_id == owner_id))
            )
            existing = {(r.kind, r.value): r for r in rows}
            kept: set[str] = set()
            for position, entry in enumerate(imported.entries):
                row = existing.pop((entry.kind.value, entry.value), None)
                if row is None or row.id in kept:
                    row = EntryRow(id=new_id(), owner_id=owner_id, kind=entry.kind.value)
                    row.value = entry.value
                    session.add(row)
                row.label, row.position = entry.label, position
                kept.add(row.id)
            gone = [r.id for r in rows if r.id not in kept]
            if gone:
                await session.execute(delete(EntryRow).where(EntryRow.id.in_(gone)))
            await session.flush()
            await queries.refresh_public(session, owner_id)  # a public entry may be gone
            await changes.bump(session, owner_id)
            card = (await queries.cards(session, [owner_id]))[owner_id]
        self._named(imported.name)
        return vcard.own_card(card)
