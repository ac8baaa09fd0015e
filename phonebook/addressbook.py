"""The viewer's address book for CardDAV: every contact as a vCard 4.0 with an ETag, and what
changed since a sync token (the same tokens as the phonebook's pull and push).

Only what the viewer may see goes in: ``vcard.contact_card`` writes visible values, and a
phone that may be called but not seen becomes a dial-through URI (``phonebook.dialcodes``),
never its number. Without an access number such phones are left out."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import vcard
from phonebook.config import PhonebookConfig
from phonebook.dialcodes import DialCodes, post_dial
from phonebook.directory import Directory
from phonebook.errors import InvalidInput
from phonebook.model import ContactView, EntryView
from phonebook.store import queries


@dataclass(frozen=True, slots=True)
class VCard:
    owner_id: str
    text: str
    etag: str  # quoted, as HTTP sends it


@dataclass(frozen=True, slots=True)
class AddressBookChanges:
    token: str
    changed: tuple[VCard, ...]
    removed: tuple[str, ...]


class TokenTooOld(InvalidInput):
    code = "invalid_token"


class AddressBook:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: PhonebookConfig,
        directory: Directory,
        dial_codes: DialCodes,
    ) -> None:
        self._sessions = sessions
        self._config = config
        self._directory = directory
        self._dial = dial_codes

    async def all(self, viewer_id: str) -> tuple[str, list[VCard]]:
        page = await self._directory.phonebook(viewer_id)
        return page.sync_token, await self._cards(viewer_id, page.contacts)

    async def some(self, viewer_id: str, owner_ids: set[str]) -> tuple[str, list[VCard]]:
        """The cards of ``owner_ids`` that are in the viewer's address book."""
        page = await self._directory.phonebook(viewer_id)
        wanted = [v for v in page.contacts if v.id in owner_ids]
        return page.sync_token, await self._cards(viewer_id, wanted)

    async def since(self, viewer_id: str, token: str) -> AddressBookChanges:
        """What changed since ``token``; TokenTooOld when the client must start over."""
        page = await self._directory.phonebook(viewer_id, token)
        if page.full:
            raise TokenTooOld("That sync token is too old: sync again from the start.")
        cards = await self._cards(viewer_id, page.contacts)
        return AddressBookChanges(page.sync_token, tuple(cards), page.removed)

    async def _cards(self, viewer_id: str, views: Sequence[ContactView]) -> list[VCard]:
        async with self._sessions() as session:
            names = await queries.names_of(session, [v.id for v in views])
        access = self._config.access_number
        hidden = [(v.id, e.id) for v in views for e in v.entries if e.callable and e.value is None]
        codes = await self._dial.codes_for(viewer_id, hidden) if access and hidden else {}
        out: list[VCard] = []
        for view in views:

            def dial(entry: EntryView, owner: str = view.id) -> str | None:
                code = codes.get((owner, entry.id))
                return post_dial(access, code) if code else None

            aliases = names.get(view.id, (view.name, ()))[1]
            text = vcard.contact_card(view, aliases, dial)
            etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
            out.append(VCard(view.id, text, etag))
        return out
