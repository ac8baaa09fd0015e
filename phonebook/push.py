"""The push hub of one process: open streams, each told only what changed for its viewer.

The feed only wakes the hub; what changed is read from the store's revision counter (every
owner whose revision passed the last one the hub saw), so a missed, late, repeated or
out-of-order event changes nothing: the next batch covers it. One batch at a time; events
arriving meanwhile merge into the next. A batch costs a few queries for the owners that
changed, whatever the number of streams, and then a policy projection per (viewer, owner)
that may be affected, compared against each stream's ledger (phonebook.sync)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook.directory import Directory, token
from phonebook.feed import Feed, Inbox
from phonebook.model import Card, ContactView, Relation
from phonebook.store import queries
from phonebook.store.tables import AccountRow, BlockRow, CircleRow, ExposureRow, MemberRow
from phonebook.sync import Ledger, Update, view_of

log = logging.getLogger(__name__)
CHUNK = 500  # ids per IN list
OPENING = 4  # streams reading their first snapshot at once
SWEEP_S = 30.0  # how often streams of deleted accounts are looked for


class Stream:
    """One open push stream: its viewer, ledger and the update not yet sent (merged)."""

    def __init__(self, viewer_id: str, ledger: Ledger) -> None:
        self.viewer_id = viewer_id
        self.ledger = ledger
        self._pending: Update | None = None
        self._ready = asyncio.Event()
        self.ended = False

    def end(self) -> None:
        """The process is stopping: the stream's reader gets None and closes it."""
        self.ended = True
        self._ready.set()

    @property
    def pending(self) -> Update | None:
        """The update not yet read (tests look without waiting)."""
        return self._pending

    def push(self, update: Update) -> None:
        if not update:
            return
        if self._pending is None:
            self._pending = update
        else:
            self._pending.merge(update)
        self._ready.set()

    async def next(self) -> Update | None:
        """The next update (all that arrived since the last, merged); None once ended."""
        await self._ready.wait()
        self._ready.clear()
        update, self._pending = self._pending, None
        return None if self.ended else update


class PushHub:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], feed: Feed, directory: Directory
    ) -> None:
        self._sessions = sessions
        self._feed = feed
        self._directory = directory
        self._streams: dict[str, set[Stream]] = defaultdict(set)
        self._phones: dict[str, frozenset[str]] = {}  # viewer → verified numbers
        self._by_phone: dict[str, set[str]] = defaultdict(set)  # number → viewers
        self._lock = asyncio.Lock()
        self._opening = asyncio.Semaphore(OPENING)
        self._task: asyncio.Task[None] | None = None
        self._inbox: Inbox | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._seen = 0  # the revision the last batch covered
        self.batches = 0
        self._closing = False

    @property
    def seen(self) -> int:
        """The revision every open stream has been brought up to."""
        return self._seen

    @property
    def open_streams(self) -> int:
        return sum(len(s) for s in self._streams.values())

    async def open(self, viewer_id: str, since: str | None) -> Stream:
        """A stream for ``viewer_id``: its first update is the whole phonebook (no ``since``),
        what changed since the token, or a reset when the token is too old.

        The snapshot is read outside the hub's lock (many streams open at once); if batches
        ran meanwhile, the next batch starts again from the snapshot's revision, which
        changes nothing for the other streams (their ledgers already agree)."""
        await self._start()
        async with self._opening:  # a reconnect storm must leave the pool to other requests
            revision, phones, stream = await self._first(viewer_id, since)
        async with self._lock:
            self._set_phones(viewer_id, phones)
            self._streams[viewer_id].add(stream)
            if self._closing:
                stream.end()
            if revision < self._seen and self._inbox is not None:
                self._seen = revision
                self._inbox.wake()
        return stream

    async def _first(self, viewer_id: str, since: str | None) -> tuple[int, frozenset[str], Stream]:
        """The stream with its first update, the snapshot's revision, the viewer's numbers."""
        revision, views = await self._directory.snapshot(viewer_id)
        async with self._sessions() as session:
            phones = frozenset(await queries.verified_phones(session, viewer_id))
        stream = Stream(viewer_id, Ledger(views.values()))
        if since is None:
            stream.push(Update(token(revision), dict(views), full=True))
        else:
            page = await self._directory.phonebook(viewer_id, since)
            if page.full:
                stream.push(Update(page.sync_token, reset=True))
            else:
                contacts = {c.id: c for c in page.contacts}
                stream.push(Update(page.sync_token, contacts, set(page.removed)))
        return revision, phones, stream

    async def _start(self) -> None:
        async with self._lock:
            if self._task is None:
                async with self._sessions() as session:
                    self._seen = await self._directory.horizon_in(session)
                self._inbox = Inbox(self._feed)
                self._task = asyncio.create_task(self._run(self._inbox))
                self._sweeper = asyncio.create_task(self._sweep_periodically())

    def _set_phones(self, viewer: str, phones: frozenset[str]) -> None:
        for phone in self._phones.pop(viewer, frozenset()):
            self._by_phone[phone].discard(viewer)
            if not self._by_phone[phone]:
                del self._by_phone[phone]
        if phones:
            self._phones[viewer] = phones
            for phone in phones:
                self._by_phone[phone].add(viewer)

    def close(self, stream: Stream) -> None:
        streams = self._streams.get(stream.viewer_id)
        if streams is not None:
            streams.discard(stream)
            if not streams:
                del self._streams[stream.viewer_id]
                self._set_phones(stream.viewer_id, frozenset())

    def end_streams(self) -> None:
        """End every open stream (a graceful stop: their requests finish at once)."""
        self._closing = True
        for streams in self._streams.values():
            for stream in streams:
                stream.end()

    async def aclose(self) -> None:
        self.end_streams()
        for task in (self._task, self._sweeper):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._sweeper = None

    async def sweep(self) -> None:
        """End the streams of accounts that no longer exist: one query for every open
        stream (a query per stream and heartbeat would queue for the pool all at once)."""
        viewers = list(self._streams)
        alive: set[str] = set()
        async with self._sessions() as session:
            for i in range(0, len(viewers), CHUNK):
                chunk = viewers[i : i + CHUNK]
                alive.update(
                    await session.scalars(select(AccountRow.id).where(AccountRow.id.in_(chunk)))
                )
        for viewer in set(viewers) - alive:
            for stream in self._streams.get(viewer, ()):
                stream.end()

    async def _sweep_periodically(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            try:
                await self.sweep()
            except Exception:  # the next sweep tries again
                log.exception("push sweep failed")

    async def _run(self, inbox: Inbox) -> None:
        try:
            while True:
                await inbox.next()
                try:
                    async with self._lock:
                        await self._batch()
                except Exception:  # the next event retries from the same revision
                    log.exception("push batch failed")
                    await asyncio.sleep(1)
        finally:
            inbox.close()

    async def _batch(self) -> None:
        async with self._sessions() as session:
            # the horizon first: every change at or below it is visible to the reads below
            now = await self._directory.horizon_in(session)
            if now <= self._seen or not self._streams:
                self._seen = max(now, self._seen)
                return
            changed = set(
                await session.scalars(select(AccountRow.id).where(AccountRow.revision > self._seen))
            )
            views = await self._views(session, changed)
        self._seen = now
        self.batches += 1
        exposed: list[dict[str, object]] = []
        for viewer, owners in views.items():
            for stream in list(self._streams.get(viewer, ())):
                fresh = [o for o in owners if o not in stream.ledger]
                update = stream.ledger.apply(token(now), owners)
                # only owners new to the stream: a write per batch would queue every writer
                exposed += [
                    {"viewer_id": viewer, "owner_id": o} for o in fresh if o in update.contacts
                ]
                stream.push(update)
        if exposed:  # so a later pull's ``removed`` knows what the stream told
            async with self._sessions.begin() as session:
                await queries.insert_ignoring_duplicates(session, ExposureRow, exposed)

    async def _views(
        self, session: AsyncSession, changed: set[str]
    ) -> dict[str, dict[str, ContactView | None]]:
        """For every open viewer, the current view of each changed owner that may concern
        them (None: nothing shared any more)."""
        result: dict[str, dict[str, ContactView | None]] = {}
        # a viewer who changed (a number proved) may see a different set of owners
        whole = changed & self._streams.keys()
        for viewer in whole:
            self._set_phones(viewer, frozenset(await queries.verified_phones(session, viewer)))
            _, views = await self._directory.snapshot_in(session, viewer)
            known = {o for s in self._streams[viewer] for o in s.ledger.owners()}
            result[viewer] = {o: views.get(o) for o in known | views.keys()}
        owners = sorted(changed)
        circles, blocks = await _audience(session, owners)
        by_phone = self._by_phone
        cards: dict[str, Card] = {}
        for i in range(0, len(owners), CHUNK):
            cards.update(await queries.cards(session, owners[i : i + CHUNK]))
        told: dict[str, set[str]] = defaultdict(set)  # owner → viewers told about them
        for viewer, streams in self._streams.items():
            for stream in streams:
                for owner in stream.ledger.known(changed):
                    told[owner].add(viewer)
        for owner in owners:
            relations: dict[str, set[str]] = defaultdict(set)
            for circle, phone in circles.get(owner, ()):
                for viewer in by_phone.get(phone, ()):
                    relations[viewer].add(circle)
            blocked = {v for p in blocks.get(owner, ()) for v in by_phone.get(p, ())}
            for viewer in (relations.keys() | told.get(owner, set())) - whole:
                relation = Relation(frozenset(relations.get(viewer, ())), viewer in blocked)
                view = view_of(viewer, cards.get(owner), relation)
                result.setdefault(viewer, {})[owner] = view
        return result


async def _audience(
    session: AsyncSession, owners: list[str]
) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[str]]]:
    """(owner → [(circle, member number)], owner → [blocked number]) of ``owners``."""
    circles: dict[str, list[tuple[str, str]]] = defaultdict(list)
    blocks: dict[str, list[str]] = defaultdict(list)
    for i in range(0, len(owners), CHUNK):
        chunk = owners[i : i + CHUNK]
        rows = await session.execute(
            select(CircleRow.owner_id, CircleRow.id, MemberRow.phone)
            .join(MemberRow, MemberRow.circle_id == CircleRow.id)
            .where(CircleRow.owner_id.in_(chunk))
        )
        for owner, circle, phone in rows:
            circles[owner].append((circle, phone))
        for owner, phone in await session.execute(
            select(BlockRow.owner_id, BlockRow.phone).where(BlockRow.owner_id.in_(chunk))
        ):
            blocks[owner].append(phone)
    return circles, blocks
