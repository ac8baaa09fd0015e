"""Use cases that read other people's cards: the viewer's phonebook and its sync feed, name
lookup, "what X sees of me", the lookup audit, and the dial check the bridge runs at connect
time. Everything here goes through ``policy.project`` / ``policy.dialable``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import names, policy
from phonebook.audit import LookupAudit
from phonebook.config import PhonebookConfig
from phonebook.errors import NOT_FOUND_MESSAGE, InvalidInput, InvalidQuery, NotFound
from phonebook.ids import as_utc, utcnow
from phonebook.model import PUBLIC, Card, ContactView, EntryView, Relation
from phonebook.phones import to_e164
from phonebook.ratelimit import Guard
from phonebook.store import queries, revisions
from phonebook.store.tables import AccountRow, ExposureRow, LookupRow

MAX_QUERY = 100
MAX_DIGITS = 30


@dataclass(frozen=True, slots=True)
class PhonebookPage:
    contacts: tuple[ContactView, ...]
    removed: tuple[str, ...]
    sync_token: str
    full: bool  # True: the client should replace its copy, not merge


@dataclass(frozen=True, slots=True)
class LookupRecord:
    viewer_id: str
    viewer_name: str
    via: str
    at: datetime


@lru_cache(maxsize=100_000)
def _decoded(name: str, stored: str) -> names.NameIndex:
    return names.decode_index(name, stored)


def _stored_index(stored: queries.StoredName) -> names.NameIndex:
    """The name index written with the name (``replace_name_keys``); derived here only for a
    row no migration or write has given one yet."""
    if stored.stored_index is not None:
        return _decoded(stored.name, stored.stored_index)
    return names.index_name(stored.name, stored.aliases)


def token(revision: int) -> str:
    return f"r{revision}"


def _parse_token(token: str) -> int:
    if token.startswith("r") and token[1:].isdigit() and len(token) < 20:
        return int(token[1:])
    raise InvalidInput("That sync token is not one this server gave out.", code="invalid_token")


class Directory:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: PhonebookConfig,
        guard: Guard,
        audit: LookupAudit | None = None,
    ) -> None:
        self._sessions = sessions
        self._config = config
        self._guard = guard  # shared limits: per account, per verified number, per address
        self._audit = audit or LookupAudit(sessions)
        self._horizon = revisions.Horizon()  # sync tokens: see phonebook/store/revisions.py

    async def close(self, grace_s: float = 5.0) -> None:
        """Write the lookup audit still queued (the composition root calls this on a graceful
        stop, before the database pool is disposed)."""
        await self._audit.close(grace_s)

    # -- the viewer's phonebook ------------------------------------------------------------

    async def _scope(
        self, session: AsyncSession, viewer_id: str, extra_owners: Sequence[str] = ()
    ) -> dict[str, tuple[ContactView, Card]]:
        """Every contact the viewer has: owners whose circles hold one of the viewer's verified
        numbers, plus ``extra_owners`` (public candidates), projected through the policy."""
        relations = await self._relations(session, viewer_id, extra_owners)
        audiences = {PUBLIC}.union(*(r.circles for r in relations.values()))
        cards = await queries.cards(session, relations.keys(), audiences)
        contacts: dict[str, tuple[ContactView, Card]] = {}
        for owner, card in cards.items():
            view = policy.project(viewer_id, card, relations[owner])
            if view is not None:
                contacts[owner] = (view, card)
        return contacts

    async def _relations(
        self, session: AsyncSession, viewer_id: str, extra_owners: Sequence[str] = ()
    ) -> dict[str, Relation]:
        """Owners the viewer may see anything of: those with the viewer in a circle, plus
        ``extra_owners`` (public candidates); never the viewer, never an owner who blocks them."""
        phones = await queries.verified_phones(session, viewer_id)
        # every owner with the viewer in a circle, and every owner blocking the viewer
        relations = await queries.relations_of(session, phones)
        for owner in extra_owners:
            relations.setdefault(owner, Relation())
        relations.pop(viewer_id, None)
        return {o: r for o, r in relations.items() if not r.blocked}

    async def phonebook(self, viewer_id: str, since: str | None = None) -> PhonebookPage:
        since_rev = _parse_token(since) if since is not None else None
        async with self._sessions.begin() as session:
            # the horizon first: everything at or below it is visible to the reads below, and
            # anything newer they see is sent again next time (store/revisions.py)
            horizon, latest = await self._horizon.read(session)
            contacts = await self._scope(session, viewer_id)
            exposed = set(
                await session.scalars(
                    select(ExposureRow.owner_id).where(ExposureRow.viewer_id == viewer_id)
                )
            )
            own = (await queries.revisions(session, [viewer_id])).get(viewer_id, 0)
            full = since_rev is None or own > since_rev or since_rev > latest
            gone = exposed - contacts.keys()
            if full:
                changed = [view for view, _ in contacts.values()]
                removed = sorted(gone)
            else:
                assert since_rev is not None
                revs = await queries.revisions(session, contacts.keys() | gone)
                changed = [v for o, (v, _) in contacts.items() if revs.get(o, 0) > since_rev]
                removed = sorted(o for o in gone if revs.get(o, since_rev + 1) > since_rev)
            new = contacts.keys() - exposed
            if new:  # a concurrent fetch may record the same pairs: ignore, do not fail
                await queries.insert_ignoring_duplicates(
                    session, ExposureRow, [{"viewer_id": viewer_id, "owner_id": o} for o in new]
                )
        changed.sort(key=lambda c: (c.name.casefold(), c.id))
        # never behind the client's own token: it already has everything up to there
        mark = horizon if since_rev is None or full else max(horizon, since_rev)
        return PhonebookPage(tuple(changed), tuple(removed), token(mark), full)

    async def snapshot(self, viewer_id: str) -> tuple[int, dict[str, ContactView]]:
        """The revision and the viewer's whole phonebook at it, recorded as told (so a later
        pull's ``removed`` covers what a push stream said)."""
        async with self._sessions.begin() as session:
            revision, views = await self.snapshot_in(session, viewer_id)
            if views:
                await queries.insert_ignoring_duplicates(
                    session, ExposureRow, [{"viewer_id": viewer_id, "owner_id": o} for o in views]
                )
        return revision, views

    async def snapshot_in(
        self, session: AsyncSession, viewer_id: str
    ) -> tuple[int, dict[str, ContactView]]:
        now = await self.horizon_in(session)  # first, as in ``phonebook``
        contacts = await self._scope(session, viewer_id)
        return now, {owner: view for owner, (view, _) in contacts.items()}

    async def horizon_in(self, session: AsyncSession) -> int:
        """The sync horizon (store/revisions.py): every change at or below it is visible to
        ``session``'s later statements. Push streams advance by it, never by the latest
        revision, which on PostgreSQL may still be uncommitted behind an earlier one."""
        return (await self._horizon.read(session))[0]

    async def revision(self) -> int:
        """The store's change counter: every change to a card, circle, grant, block, name or
        verified number moves it. Anything derived from a phonebook is current while it holds."""
        async with self._sessions() as session:
            return await self.horizon_in(session)

    async def reachable_names(self, viewer_id: str, *, public: bool = False) -> list[str]:
        """Names and aliases of the viewer's contacts who can be called (with ``public``, also
        up to ``public_candidates`` owners with a public phone): a speech grammar or hint list
        for this caller, and nothing beyond what they may reach."""
        async with self._sessions() as session:
            extra = (
                await queries.publicly_callable_owners(session, self._config.public_candidates)
                if public
                else []
            )
            contacts = await self._scope(session, viewer_id, extra)
        names: list[str] = []
        for view, card in sorted(contacts.values(), key=lambda vc: vc[1].name):
            if view.callable_phones():
                names += [card.name, *card.aliases]
        return names

    # -- lookup ------------------------------------------------------------------------------

    async def lookup(
        self,
        viewer_id: str,
        *,
        name: str | None = None,
        digits: str | None = None,
        via: str = "api",
        limit: int = 9,
        address: str | None = None,
        audit: bool = True,
    ) -> list[ContactView]:
        """Ranked contacts matching a name or keypad digits; NotFound when none.

        Each match is recorded in its owner's "who looked me up" unless ``audit`` is False:
        a spoken-name dialogue looks up every phrase the recogniser thought it might have
        heard, and records (``record_lookups``) only the people it actually offers.

        The search only ever sees the viewer's own phonebook plus owners with public entries,
        so an absent name and an unshared one take the same path and give the same answer.
        """
        text, keys = self._check_query(name, digits)
        prefixes = names.query_prefixes(text) if text else names.digits_prefixes(keys)
        # reads only (the audit is written apart): no transaction of their own on PostgreSQL,
        # each statement reads committed data as it would in READ COMMITTED; 4 round trips
        async with self._sessions() as session:
            await queries.read_only(session)
            phones = await queries.verified_phones(session, viewer_id)
        # the limits, in their own transactions, holding no connection meanwhile (a lookup
        # waiting for a second one while holding the first starves a busy pool)
        await self._guard.lookup(viewer_id, phones, address)
        async with self._sessions() as session:
            await queries.read_only(session)
            # Precomputed keys only: the viewer's own contacts (an indexed join from their
            # numbers) and the public owners whose keys match (the partial index of public
            # keys); each with its stored name index, so nothing is re-derived per lookup.
            named = await queries.lookup_candidates(
                session, phones, viewer_id, prefixes, self._config.public_matches
            )
            candidates = [(owner, _stored_index(n)) for owner, n in named.items()]
            ranking = (
                names.rank_text(text, candidates, limit=limit)
                if text
                else names.rank_digits(keys, candidates, limit=limit)
            )
            ranked = [m.item for m in ranking.matches]
            relations = await queries.relations_of(session, phones, ranked)
            audiences = {PUBLIC}.union(*(r.circles for r in relations.values()))
            known = {o: (named[o].name, named[o].aliases) for o in ranked}
            cards = await queries.cards(session, ranked, audiences, known)
            found = [
                view
                for owner in ranked
                if (
                    view := policy.project(
                        viewer_id, cards[owner], relations.get(owner, Relation())
                    )
                )
                is not None
            ]
        if not found:
            raise NotFound(NOT_FOUND_MESSAGE)
        if audit:  # off the request path, in batches (phonebook/audit.py)
            await self._record(viewer_id, [c.id for c in found], via)
        return found

    def _check_query(self, name: str | None, digits: str | None) -> tuple[str, str]:
        if (name is None) == (digits is None):
            raise InvalidQuery("Give either a name or keypad digits.")
        if name is not None:
            text = names.normalize(name[: MAX_QUERY + 1])
            if len(name) > MAX_QUERY or names.query_length(text) < self._config.min_query_chars:
                raise InvalidQuery(
                    f"A name query needs {self._config.min_query_chars} to {MAX_QUERY} characters."
                )
            return text, ""
        assert digits is not None
        if not digits.isascii() or not digits.isdigit():
            raise InvalidQuery("Keypad keys are the digits 0 to 9.")
        if not self._config.min_query_digits <= len(digits) <= MAX_DIGITS:
            raise InvalidQuery(
                f"Keypad queries need {self._config.min_query_digits} to {MAX_DIGITS} digits."
            )
        return "", digits

    # -- what others see of me, and who looked --------------------------------------------

    async def preview(self, owner_id: str, phone: str) -> ContactView:
        """What the holder of ``phone`` gets of the owner's card.

        Computed from that number alone, so it tells the owner nothing about who holds it or
        which other numbers they have."""
        e164 = to_e164(phone, self._config.default_region)
        async with self._sessions() as session:
            relation = (await queries.relations_of(session, [e164], [owner_id])).get(
                owner_id, Relation()
            )
            card = (await queries.cards(session, [owner_id]))[owner_id]
        view = policy.project(viewer_id="", card=card, relation=relation)
        if view is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return view

    async def record_lookups(self, viewer_id: str, owner_ids: Sequence[str], via: str) -> None:
        """Record that the viewer was offered these contacts (a lookup made with audit=False)."""
        await self._record(viewer_id, list(dict.fromkeys(owner_ids)), via)

    async def _record(self, viewer_id: str, owner_ids: list[str], via: str) -> None:
        at = utcnow()
        rows = [{"owner_id": o, "viewer_id": viewer_id, "via": via, "at": at} for o in owner_ids]
        await self._audit.record(rows)

    async def lookups_of(self, owner_id: str, limit: int = 100) -> list[LookupRecord]:
        await self._audit.flush()  # this process's queued lookups are shown too
        async with self._sessions() as session:
            rows = await session.execute(
                select(LookupRow.viewer_id, AccountRow.name, LookupRow.via, LookupRow.at)
                .join(AccountRow, AccountRow.id == LookupRow.viewer_id)
                .where(LookupRow.owner_id == owner_id)
                .order_by(LookupRow.at.desc(), LookupRow.id.desc())
                .limit(limit)
            )
            return [LookupRecord(v, name, via, as_utc(at)) for v, name, via, at in rows]

    # -- the dial check ------------------------------------------------------------------------

    async def contact(self, viewer_id: str, owner_id: str) -> ContactView:
        """One contact of the viewer's (through circles or public), or NotFound."""
        view, _, _ = await self._one_contact(viewer_id, owner_id)
        return view

    async def callable_entry(
        self, viewer_id: str, owner_id: str, entry_id: str | None
    ) -> tuple[ContactView, EntryView, str]:
        """The contact, the phone to call (``entry_id``, or the owner's first callable phone)
        and its number, all from one read of the current grants; NotFound otherwise."""
        view, card, relation = await self._one_contact(viewer_id, owner_id)
        phones = view.callable_phones()
        if entry_id:
            entry = next((e for e in phones if e.id == entry_id), None)
        else:
            entry = phones[0] if phones else None
        number = policy.dialable(viewer_id, card, relation, entry.id) if entry else None
        if entry is None or number is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return view, entry, number

    async def _one_contact(
        self, viewer_id: str, owner_id: str
    ) -> tuple[ContactView, Card, Relation]:
        # that one owner's relation and card only, not the viewer's whole phonebook; reads
        # only, so no BEGIN/ROLLBACK round trips (each statement reads committed data)
        async with self._sessions() as session:
            await queries.read_only(session)
            phones = await queries.verified_phones(session, viewer_id)
            relation = (await queries.relations_of(session, phones, [owner_id])).get(
                owner_id, Relation()
            )
            card = None
            if owner_id != viewer_id and not relation.blocked:
                audiences = {PUBLIC, *relation.circles}
                card = (await queries.cards(session, [owner_id], audiences)).get(owner_id)
        view = policy.project(viewer_id, card, relation) if card is not None else None
        if card is None or view is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return view, card, relation

    async def dialable(self, viewer_id: str, owner_id: str, entry_id: str) -> str:
        """The stored number the bridge may dial now, re-checked against the current grants."""
        _, card, relation = await self._one_contact(viewer_id, owner_id)
        number = policy.dialable(viewer_id, card, relation, entry_id)
        if number is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return number
