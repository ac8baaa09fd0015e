"""Use cases on one's circles (members are phone numbers) and blocks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook import validate
from phonebook.config import PhonebookConfig
from phonebook.errors import Conflict, InvalidInput, NotFound
from phonebook.ids import new_id
from phonebook.phones import to_e164
from phonebook.store import changes, queries
from phonebook.store.tables import BlockRow, CircleRow, GrantRow, MemberRow, PhoneRow


@dataclass(frozen=True, slots=True)
class Member:
    phone: str
    pending: bool  # no account has verified this number yet


@dataclass(frozen=True, slots=True)
class Circle:
    id: str
    name: str
    members: tuple[Member, ...]


class Circles:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: PhonebookConfig) -> None:
        self._sessions = sessions
        self._config = config

    async def all(self, owner_id: str) -> list[Circle]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(CircleRow).where(CircleRow.owner_id == owner_id).order_by(CircleRow.name)
            )
            return [await _circle(session, row) for row in rows]

    async def create(self, owner_id: str, name: str) -> Circle:
        clean = validate.name(name, "circle name")
        async with self._sessions.begin() as session:
            # the owner's lock keeps the count true to commit; the (owner, name) unique
            # constraint stays the last word on duplicate names
            await queries.lock_owner(session, owner_id)
            count = await session.scalar(
                select(func.count()).select_from(CircleRow).where(CircleRow.owner_id == owner_id)
            )
            if (count or 0) >= validate.MAX_CIRCLES:
                raise InvalidInput(f"At most {validate.MAX_CIRCLES} circles.")
            exists = await session.scalar(
                select(CircleRow.id).where(CircleRow.owner_id == owner_id, CircleRow.name == clean)
            )
            if exists:
                raise Conflict("You already have a circle with that name.", code="circle_exists")
            row = CircleRow(id=new_id(), owner_id=owner_id, name=clean)
            session.add(row)
            try:
                await session.flush()
            except IntegrityError:
                raise Conflict(
                    "You already have a circle with that name.", code="circle_exists"
                ) from None
            return Circle(row.id, row.name, ())

    async def rename(self, owner_id: str, circle_id: str, name: str) -> Circle:
        """Only the owner sees circle names, so a rename changes nothing for viewers."""
        clean = validate.name(name, "circle name")
        taken = Conflict("You already have a circle with that name.", code="circle_exists")
        async with self._sessions.begin() as session:
            row = await _own_circle(session, owner_id, circle_id)
            if row.name != clean:
                other = await session.scalar(
                    select(CircleRow.id).where(
                        CircleRow.owner_id == owner_id,
                        CircleRow.name == clean,
                        CircleRow.id != circle_id,
                    )
                )
                if other:
                    raise taken
                row.name = clean
                try:
                    await session.flush()
                except IntegrityError:
                    raise taken from None
            return await _circle(session, row)

    async def delete(self, owner_id: str, circle_id: str) -> None:
        async with self._sessions.begin() as session:
            # under the owner's lock: members and grants being added to it wait, then 404
            await queries.lock_owner(session, owner_id)
            row = await _own_circle(session, owner_id, circle_id)
            await session.execute(delete(GrantRow).where(GrantRow.audience == circle_id))
            await session.delete(row)
            await changes.bump(session, owner_id)

    async def add_member(self, owner_id: str, circle_id: str, phone: str) -> Circle:
        e164 = to_e164(phone, self._config.default_region)
        async with self._sessions.begin() as session:
            # the owner's lock: the circle cannot be deleted between the check and the insert
            # (that was a foreign-key error), and the member count holds to commit
            await queries.lock_owner(session, owner_id)
            row = await _own_circle(session, owner_id, circle_id)
            if await session.get(MemberRow, (circle_id, e164)) is None:
                count = await session.scalar(
                    select(func.count())
                    .select_from(MemberRow)
                    .where(MemberRow.circle_id == circle_id)
                )
                if (count or 0) >= validate.MAX_MEMBERS:
                    raise InvalidInput(f"A circle holds at most {validate.MAX_MEMBERS} members.")
                # an upsert as well: the PUT is idempotent whatever else writes the table
                if await queries.insert_if_absent(
                    session, MemberRow, {"circle_id": circle_id, "phone": e164}
                ):
                    await changes.bump(session, owner_id)
            return await _circle(session, row)

    async def remove_member(self, owner_id: str, circle_id: str, phone: str) -> Circle:
        e164 = to_e164(phone, self._config.default_region)
        async with self._sessions.begin() as session:
            await queries.lock_owner(session, owner_id)
            row = await _own_circle(session, owner_id, circle_id)
            await session.execute(
                delete(MemberRow).where(MemberRow.circle_id == circle_id, MemberRow.phone == e164)
            )
            await changes.bump(session, owner_id)
            return await _circle(session, row)

    async def block(self, owner_id: str, phone: str) -> None:
        e164 = to_e164(phone, self._config.default_region)
        async with self._sessions.begin() as session:
            # an upsert under the owner's lock: 20 identical PUTs make one block, one revision
            await queries.lock_owner(session, owner_id)
            if await queries.insert_if_absent(
                session, BlockRow, {"owner_id": owner_id, "phone": e164}
            ):
                await changes.bump(session, owner_id)

    async def unblock(self, owner_id: str, phone: str) -> None:
        e164 = to_e164(phone, self._config.default_region)
        async with self._sessions.begin() as session:
            await queries.lock_owner(session, owner_id)
            await session.execute(
                delete(BlockRow).where(BlockRow.owner_id == owner_id, BlockRow.phone == e164)
            )
            await changes.bump(session, owner_id)

    async def blocks(self, owner_id: str) -> list[str]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(BlockRow.phone).where(BlockRow.owner_id == owner_id).order_by(BlockRow.phone)
            )
            return list(rows)


async def _own_circle(session: AsyncSession, owner_id: str, circle_id: str) -> CircleRow:
    row = await session.get(CircleRow, circle_id)
    if row is None or row.owner_id != owner_id:
        raise NotFound("You have no circle with that id.", code="circle_not_found")
    return row


async def _circle(session: AsyncSession, row: CircleRow) -> Circle:
    members = await session.execute(
        select(MemberRow.phone, PhoneRow.verified)
        .outerjoin(PhoneRow, PhoneRow.e164 == MemberRow.phone)
        .where(MemberRow.circle_id == row.id)
        .order_by(MemberRow.phone)
    )
    return Circle(
        row.id, row.name, tuple(Member(phone, not verified) for phone, verified in members)
    )
