"""Lookups read precomputed name keys only: the partial index of public names follows every
change to a public grant, and the stored name index follows every change to a name."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook import names
from phonebook.app import Phonebook
from phonebook.errors import NotFound
from phonebook.model import PUBLIC
from phonebook.store.tables import AccountRow, NameKeyRow


async def person(pb: Phonebook, name: str, phone: str) -> str:
    return (await pb.accounts.register(name, phone, None)).id


async def public_keys(engine: AsyncEngine, account_id: str) -> set[bool]:
    async with engine.connect() as conn:
        rows = await conn.scalars(
            select(NameKeyRow.public).where(NameKeyRow.account_id == account_id)
        )
        return set(rows)


async def test_public_names_follow_public_grants(pb: Phonebook, engine: AsyncEngine) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    ada = await person(pb, "Ada Lovelace", "+12025550101")
    email = await pb.cards.add(ada, "email", "home", "ada@example.org")
    assert await public_keys(engine, ada) == {False}
    with pytest.raises(NotFound):
        await pb.directory.lookup(viewer, name="ada")

    await pb.cards.set_grant(ada, email.id, PUBLIC, "visible")
    assert await public_keys(engine, ada) == {True}
    (found,) = await pb.directory.lookup(viewer, name="lovelace")
    assert found.id == ada

    phone = await pb.cards.add(ada, "phone", "mobile", "+12025550199", {PUBLIC: "callable"})
    await pb.cards.set_grant(ada, email.id, PUBLIC, "hidden")
    assert await public_keys(engine, ada) == {True}  # the phone is still public
    await pb.cards.delete(ada, phone.id)
    assert await public_keys(engine, ada) == {False}
    with pytest.raises(NotFound):
        await pb.directory.lookup(viewer, name="ada")


async def test_a_renamed_public_owner_is_found_by_the_new_name_only(pb: Phonebook) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    owner = await person(pb, "Grace Hopper", "+12025550101")
    await pb.cards.add(owner, "phone", "work", "+12025550198", {PUBLIC: "callable"})
    await pb.accounts.update_profile(owner, name="张伟", aliases=["Amazing Grace"])
    for query in ("zhang wei", "amazing"):
        (found,) = await pb.directory.lookup(viewer, name=query)
        assert found.id == owner, query
    (by_keys,) = await pb.directory.lookup(viewer, digits="94264")
    assert by_keys.id == owner
    with pytest.raises(NotFound):
        await pb.directory.lookup(viewer, name="hopper")


async def test_the_stored_name_index_is_the_one_derived_from_the_name(
    pb: Phonebook, engine: AsyncEngine
) -> None:
    owner = await person(pb, "Zoë Müller", "+12025550101")
    await pb.accounts.update_profile(owner, aliases=["Zo"])
    async with engine.connect() as conn:
        stored = await conn.scalar(select(AccountRow.name_index).where(AccountRow.id == owner))
    assert stored is not None
    assert names.decode_index("Zoë Müller", stored) == names.index_name("Zoë Müller", ["Zo"])


async def test_a_row_without_a_stored_index_is_still_found(
    pb: Phonebook, engine: AsyncEngine
) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    owner = await person(pb, "Alan Turing", "+12025550101")
    await pb.cards.add(owner, "phone", "work", "+12025550198", {PUBLIC: "callable"})
    async with engine.begin() as conn:  # as a row written before migration 0009 ran
        await conn.execute(update(AccountRow).values(name_index=None))
    (found,) = await pb.directory.lookup(viewer, name="turing")
    assert found.id == owner


async def test_a_public_owner_who_blocks_the_viewer_is_not_found(pb: Phonebook) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    owner = await person(pb, "Alan Turing", "+12025550101")
    await pb.cards.add(owner, "phone", "work", "+12025550198", {PUBLIC: "callable"})
    await pb.circles.block(owner, "+12025550100")
    with pytest.raises(NotFound):
        await pb.directory.lookup(viewer, name="turing")
    with pytest.raises(NotFound):  # and nobody finds themselves
        await pb.directory.lookup(owner, name="turing")
