"""Cards.reorder and Circles.rename (the web page's card and circles screens use them) on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from phonebook.app import Phonebook
from phonebook.errors import Conflict, InvalidInput, NotFound


async def test_reorder_puts_every_entry_where_asked_in_one_change(pb: Phonebook) -> None:
    owner = (await pb.accounts.register("Owner", "+12025550100", None)).id
    ids = [(await pb.cards.add(owner, "email", f"e{i}", f"e{i}@example.com")).id for i in range(3)]
    before = await pb.directory.revision()
    entries = await pb.cards.reorder(owner, [ids[2], ids[0], ids[1]])
    assert [e.id for e in entries] == [ids[2], ids[0], ids[1]]
    assert [e.position for e in entries] == [0, 1, 2]
    assert await pb.directory.revision() == before + 1  # viewers see one change
    for wrong in ([ids[0], ids[1]], [ids[0], ids[0], ids[1]], [*ids, "someone-elses"]):
        with pytest.raises(InvalidInput):
            await pb.cards.reorder(owner, wrong)
    other = (await pb.accounts.register("Other", "+12025550101", None)).id
    with pytest.raises(InvalidInput):  # nobody reorders another owner's card
        await pb.cards.reorder(other, ids)
    assert [e.id for e in await pb.cards.entries(owner)] == [ids[2], ids[0], ids[1]]


async def test_rename_keeps_members_and_grants_and_refuses_a_taken_name(pb: Phonebook) -> None:
    owner = (await pb.accounts.register("Owner", "+12025550100", None)).id
    family = await pb.circles.create(owner, "Family")
    await pb.circles.create(owner, "Work")
    await pb.circles.add_member(owner, family.id, "+12025550101")
    entry = await pb.cards.add(owner, "email", "e", "e@example.com", {family.id: "visible"})
    renamed = await pb.circles.rename(owner, family.id, " Close family ")
    assert renamed.name == "Close family" and [m.phone for m in renamed.members] == ["+12025550101"]
    assert (await pb.cards.entries(owner))[0].grants == entry.grants
    assert (await pb.circles.rename(owner, family.id, "Close family")).name == "Close family"
    with pytest.raises(Conflict) as taken:
        await pb.circles.rename(owner, family.id, "Work")
    assert taken.value.code == "circle_exists"
    other = (await pb.accounts.register("Other", "+12025550102", None)).id
    with pytest.raises(NotFound):
        await pb.circles.rename(other, family.id, "Mine now")
