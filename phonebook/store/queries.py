"""Reads and the few shared writes the use cases are built from. Every function takes the
caller's session: the use case owns the transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Exists,
    Select,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    null,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from phonebook import names
from phonebook.errors import Unauthenticated
from phonebook.model import PUBLIC, Card, Entry, EntryKind, Level, Relation
from phonebook.names import NameIndex
from phonebook.store.engine import WRITE
from phonebook.store.revisions import allocate
from phonebook.store.tables import (
    AccountRow,
    Base,
    BlockRow,
    CircleRow,
    EntryRow,
    GrantRow,
    MemberRow,
    NameKeyRow,
    PhoneRow,
)


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def begin_write(session: AsyncSession) -> None:
    """Begin the session's transaction as a write (IMMEDIATE on SQLite, see engine.WRITE).
    Must come before the session's first statement."""
    await session.connection(execution_options={WRITE: True})


async def read_only(session: AsyncSession) -> None:
    """A session that only reads: on PostgreSQL its statements run in autocommit, sparing
    the BEGIN and ROLLBACK round trips; each statement sees what was committed when it began,
    as in READ COMMITTED. Must come before the session's first statement."""
    if _postgres(session):
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


async def lock_owner(session: AsyncSession, owner_id: str) -> None:
    """Start a write to ``owner_id``'s own data (card, circles, blocks, names) so that no other
    write to it can interleave: what the use case reads (counts, positions, existence) stays
    true until it commits. Must be the session's first statement.

    SQLite: the transaction begins IMMEDIATE (the database's single write lock, before any
    read). PostgreSQL: the owner's account row is locked FOR NO KEY UPDATE, so writers to one
    owner queue while other owners, readers and foreign-key checks (KEY SHARE) go on.
    Lock order everywhere: account rows in id order (see ``bump``)."""
    await begin_write(session)
    query = select(AccountRow.id).where(AccountRow.id == owner_id)
    if _postgres(session):
        query = query.with_for_update(key_share=True)
    if await session.scalar(query) is None:
        raise Unauthenticated("This account no longer exists.")


async def bump(session: AsyncSession, *account_ids: str) -> int:
    """Give the accounts a new revision: their view changed for whoever sees them. Returns it.

    On PostgreSQL the revision comes from a sequence, so writers do not queue on one row, and
    revisions may commit out of order: sync tokens are horizons (``revisions.Horizon``), never
    a revision returned here. The accounts' rows are locked in id order first (writers to
    several accounts never wait on each other in a cycle; it also gives the transaction its id
    before the revision is taken, which the horizon relies on)."""
    if _postgres(session):
        await session.execute(
            select(AccountRow.id)
            .where(AccountRow.id.in_(account_ids))
            .order_by(AccountRow.id)
            .with_for_update(key_share=True)
        )
    revision = await allocate(session)
    await session.execute(
        update(AccountRow).where(AccountRow.id.in_(account_ids)).values(revision=revision)
    )
    return revision


async def replace_name_keys(session: AsyncSession, account_id: str, index: NameIndex) -> None:
    """The account's search keys and stored name index become those of ``index``, in the
    caller's transaction: derived from the name and aliases written in that same transaction,
    under ``lock_owner`` (or on a new account no one else can see yet), so a concurrent change
    never leaves stale keys."""
    await session.execute(delete(NameKeyRow).where(NameKeyRow.account_id == account_id))
    await session.execute(
        update(AccountRow)
        .where(AccountRow.id == account_id)
        .values(name_index=names.encode_index(index))
    )
    keys = sorted(k for k in names.search_keys(index) if len(k) <= 80)
    if keys:
        public = bool(await session.scalar(select(_public_exists(account_id))))
        rows = [{"key": k, "account_id": account_id, "public": public} for k in keys]
        await session.execute(insert(NameKeyRow), rows)


def _public_exists(owner_id: str) -> Exists:
    # the owner has an entry anyone may see or call: their name is found by public lookups
    return exists().where(
        EntryRow.owner_id == owner_id,
        GrantRow.entry_id == EntryRow.id,
        GrantRow.audience == PUBLIC,
        GrantRow.level >= int(Level.CALLABLE),
    )


async def refresh_public(session: AsyncSession, owner_id: str) -> None:
    """After a change that may add or remove the owner's last public grant (under the owner's
    lock): their name keys enter or leave the partial index of public names. Writes nothing
    when the flag is already right."""
    now_public = _public_exists(owner_id)
    await session.execute(
        update(NameKeyRow)
        .where(NameKeyRow.account_id == owner_id, NameKeyRow.public != now_public)
        .values(public=now_public)
    )


async def insert_ignoring_duplicates(
    session: AsyncSession, table: type[Base], rows: list[dict[str, object]]
) -> None:
    """INSERT … ON CONFLICT DO NOTHING, in the dialect at hand (SQLite and PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(make(table).on_conflict_do_nothing(), rows)


async def insert_if_absent(
    session: AsyncSession, table: type[Base], row: dict[str, object]
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING of one row; True if it was inserted. An idempotent PUT
    is this: a concurrent duplicate is a no-op, never an IntegrityError."""
    make = postgresql.insert if _postgres(session) else sqlite.insert
    result = await session.execute(make(table).values(**row).on_conflict_do_nothing())
    return bool(getattr(result, "rowcount", 0))


async def upsert(
    session: AsyncSession, table: type[Base], row: dict[str, object], keys: list[str]
) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE of one row: the last write wins, never a
    duplicate-key error."""
    make = postgresql.insert if _postgres(session) else sqlite.insert
    stmt = make(table).values(**row)
    changes = {k: stmt.excluded[k] for k in row if k not in keys}
    await session.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes))


async def verified_phones(session: AsyncSession, account_id: str) -> list[str]:
    result = await session.scalars(
        select(PhoneRow.e164).where(PhoneRow.account_id == account_id, PhoneRow.verified)
    )
    return list(result)


async def relations_of(
    session: AsyncSession, phones: Collection[str], owner_ids: Collection[str] | None = None
) -> dict[str, Relation]:
    """How the holder of ``phones`` stands to each owner who has them in a circle or blocks them
    (one round trip: circles and blocks in one UNION ALL)."""
    if not phones:
        return {}
    circle_query = (
        select(CircleRow.owner_id, CircleRow.id.label("circle"))
        .join(MemberRow, MemberRow.circle_id == CircleRow.id)
        .where(MemberRow.phone.in_(phones))
    )
    block_query = select(BlockRow.owner_id, null().label("circle")).where(
        BlockRow.phone.in_(phones)
    )
    if owner_ids is not None:
        circle_query = circle_query.where(CircleRow.owner_id.in_(owner_ids))
        block_query = block_query.where(BlockRow.owner_id.in_(owner_ids))
    circles: dict[str, set[str]] = defaultdict(set)
    blocked: set[str] = set()
    row: Any  # (owner_id, circle id or NULL for a block)
    for row in await session.execute(union_all(circle_query, block_query)):
        owner_id, circle_id = row[0], row[1]
        if circle_id is None:
            blocked.add(owner_id)
        else:
            circles[owner_id].add(circle_id)
    return {
        owner: Relation(circles=frozenset(circles.get(owner, ())), blocked=owner in blocked)
        for owner in circles.keys() | blocked
    }


async def lookup_candidates(
    session: AsyncSession,
    phones: Collection[str],
    viewer_id: str,
    prefixes: Collection[str],
    public_limit: int,
) -> dict[str, StoredName]:
    """Who a lookup ranks, with their names and stored name indexes, in one round trip: the
    owners whose circles hold one of ``phones`` and grant that circle at least one entry, plus
    up to ``public_limit`` public owners whose name keys start with one of ``prefixes``; never
    the viewer, never an owner blocking one of ``phones``. A pre-filter: ``policy.project``
    still decides what the viewer gets.

    Public names come from the partial index of public keys only (``ix_name_keys_public``), so
    the cost follows the matches, not the number of accounts or of public grants. Range scans
    (``key >= p AND key < p + U+FFFF``) work the same on SQLite and PostgreSQL, unlike LIKE.
    """
    owners: list[Select[Any]] = []
    if phones:
        owners.append(
            select(EntryRow.owner_id)
            .join(GrantRow, GrantRow.entry_id == EntryRow.id)
            .join(CircleRow, CircleRow.id == GrantRow.audience)
            .join(MemberRow, MemberRow.circle_id == CircleRow.id)
            .where(MemberRow.phone.in_(phones), _shown())
        )
    if prefixes:
        # one range scan per prefix (UNION ALL, not OR: each can be an index-only scan of the
        # partial index, where OR makes a bitmap scan visit the table for every match)
        keys = union_all(
            *(
                select(NameKeyRow.key, NameKeyRow.account_id).where(
                    NameKeyRow.key.between(p, p + "\uffff"), NameKeyRow.public
                )
                for p in prefixes
            )
        ).subquery()
        # past the limit, owners with a key equal to a prefix (a whole word, the whole name)
        # come before those whose keys only start with one: a common first name matches
        # thousands of public people at a million accounts, and only the best few are fetched
        exact = func.min(case((keys.c.key.in_(list(prefixes)), 0), else_=1))
        matching = (
            select(keys.c.account_id.label("owner_id"))
            .group_by(keys.c.account_id)
            .order_by(exact, keys.c.account_id)
            .limit(public_limit)
            .subquery()
        )
        owners.append(select(matching.c.owner_id))  # a subquery: SQLite's UNION takes no LIMIT
    if not owners:
        return {}
    # a semi-join, not DISTINCT: PostgreSQL cannot compare the JSON aliases column
    query = select(AccountRow.id, AccountRow.name, AccountRow.aliases, AccountRow.name_index)
    query = query.where(AccountRow.id.in_(union(*owners)), AccountRow.id != viewer_id)
    if phones:
        blocking = select(BlockRow.owner_id).where(BlockRow.phone.in_(phones))
        query = query.where(AccountRow.id.not_in(blocking))
    rows = await session.execute(query)
    return {a.id: StoredName(a.name, tuple(a.aliases or ()), a.name_index) for a in rows}


async def publicly_callable_owners(session: AsyncSession, limit: int) -> list[str]:
    """Owners with a phone anyone may call (a public callable grant), at most ``limit``."""
    query = (
        select(EntryRow.owner_id)
        .join(GrantRow, GrantRow.entry_id == EntryRow.id)
        .where(
            GrantRow.audience == PUBLIC,
            GrantRow.level >= int(Level.CALLABLE),
            EntryRow.kind == EntryKind.PHONE.value,
        )
        .distinct()
        .order_by(EntryRow.owner_id)
        .limit(limit)
    )
    return list(await session.scalars(query))


async def cards(
    session: AsyncSession,
    owner_ids: Collection[str],
    audiences: Collection[str] | None = None,
    names: dict[str, tuple[str, tuple[str, ...]]] | None = None,
) -> dict[str, Card]:
    """The cards of ``owner_ids``. With ``audiences``, only the grants that can matter; with
    ``names`` (owner → name, aliases, already read), no second read of the names."""
    if not owner_ids:
        return {}
    if names is None:
        names = await names_of(session, owner_ids)
    else:
        wanted = set(owner_ids)
        names = {o: n for o, n in names.items() if o in wanted}
    # entries and their grants in one round trip; plain column rows, not ORM objects: this
    # runs for every contact of a phonebook
    on = GrantRow.entry_id == EntryRow.id
    if audiences is not None:
        on = and_(on, GrantRow.audience.in_(audiences))
    rows = await session.execute(
        select(
            EntryRow.id,
            EntryRow.owner_id,
            EntryRow.kind,
            EntryRow.label,
            EntryRow.value,
            EntryRow.position,
            GrantRow.audience,
            GrantRow.level,
        )
        .outerjoin(GrantRow, on)
        .where(EntryRow.owner_id.in_(owner_ids))
    )
    grants: dict[str, dict[str, Level]] = defaultdict(dict)
    entry_rows: dict[str, Any] = {}
    for e in rows:
        entry_rows.setdefault(e.id, e)
        if e.audience is not None:
            grants[e.id][e.audience] = Level(e.level)
    entries: dict[str, list[Entry]] = defaultdict(list)
    for e in entry_rows.values():
        entries[e.owner_id].append(
            Entry(e.id, EntryKind(e.kind), e.label, e.value, e.position, grants.get(e.id, {}))
        )
    return {
        owner: Card(owner, name, aliases, tuple(entries.get(owner, ())))
        for owner, (name, aliases) in names.items()
    }


async def names_of(
    session: AsyncSession, account_ids: Collection[str]
) -> dict[str, tuple[str, tuple[str, ...]]]:
    if not account_ids:
        return {}
    rows = await session.execute(
        select(AccountRow.id, AccountRow.name, AccountRow.aliases).where(
            AccountRow.id.in_(account_ids)
        )
    )
    return {a.id: (a.name, tuple(a.aliases or ())) for a in rows}


def _shown() -> ColumnElement[bool]:
    # a grant that makes an entry appear: visible, or callable on a phone
    return or_(
        GrantRow.level >= int(Level.VISIBLE),
        and_(GrantRow.level >= int(Level.CALLABLE), EntryRow.kind == EntryKind.PHONE.value),
    )


class StoredName(NamedTuple):
    name: str
    aliases: tuple[str, ...]
    stored_index: str | None  # names.encode_index of name + aliases; None: not backfilled


async def revisions(session: AsyncSession, account_ids: Collection[str]) -> dict[str, int]:
    if not account_ids:
        return {}
    rows = await session.execute(
        select(AccountRow.id, AccountRow.revision).where(AccountRow.id.in_(account_ids))
    )
    return {account_id: int(rev) for account_id, rev in rows}
