"""The push hub on SQLite and PostgreSQL: a stream hears exactly the changes to what its
viewer sees, merged when unread, resumable from a sync token."""

from __future__ import annotations

import asyncio

from phonebook.app import Phonebook
from phonebook.push import Stream
from phonebook.sync import Update


async def person(pb: Phonebook, name: str, phone: str) -> str:
    return (await pb.accounts.register(name, phone, None)).id


async def settled(pb: Phonebook) -> None:
    """Wait until the hub has covered every committed change (bounded, never asserted on)."""
    target = await pb.directory.revision()
    for _ in range(1000):
        if pb.push.seen >= target:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the hub never caught up")


async def take(stream: Stream) -> Update:
    update = await asyncio.wait_for(stream.next(), 30)
    assert update is not None
    return update


async def test_a_stream_hears_what_its_viewer_sees_and_nothing_else(pb: Phonebook) -> None:
    alice = await person(pb, "Alice", "+12025550101")
    bob = await person(pb, "Bob", "+12025550102")
    carol = await person(pb, "Carol", "+12025550103")
    family = await pb.circles.create(alice, "family")
    await pb.circles.add_member(alice, family.id, "+12025550102")
    await pb.cards.add(alice, "email", "home", "alice@example.org", {family.id: "visible"})
    bobs = await pb.push.open(bob, None)
    carols = await pb.push.open(carol, None)
    first = await take(bobs)
    assert first.full and list(first.contacts) == [alice]
    assert (await take(carols)).full  # an empty phonebook, in full

    # a hidden entry changes nothing anybody sees: no event at all
    hidden = await pb.cards.add(alice, "phone", "mobile", "+12025550111", {})
    await settled(pb)
    assert bobs.pending is None and carols.pending is None

    # callable for the family: Bob hears of it, without the number
    await pb.cards.set_grant(alice, hidden.id, family.id, "callable")
    update = await take(bobs)
    (entry,) = [e for e in update.contacts[alice].entries if e.id == hidden.id]
    assert entry.callable and entry.value is None
    assert "+12025550111" not in repr(update)
    assert carols.pending is None

    # Carol joins: she hears of Alice; Bob does not hear anything
    await pb.circles.add_member(alice, family.id, "+12025550103")
    assert alice in (await take(carols)).contacts
    await settled(pb)
    assert bobs.pending is None

    # a block removes Alice from Bob's phonebook
    await pb.circles.block(alice, "+12025550102")
    assert (await take(bobs)).removed == {alice}
    pb.push.close(bobs)
    pb.push.close(carols)


async def test_unread_updates_merge_and_a_token_resumes(pb: Phonebook) -> None:
    alice = await person(pb, "Alice", "+12025550101")
    bob = await person(pb, "Bob", "+12025550102")
    family = await pb.circles.create(alice, "family")
    await pb.circles.add_member(alice, family.id, "+12025550102")
    stream = await pb.push.open(bob, None)
    token = (await take(stream)).token
    for n in range(3):
        await pb.cards.add(alice, "email", f"e{n}", f"a{n}@example.org", {family.id: "visible"})
    await settled(pb)
    merged = await take(stream)  # three changes, read once: one update, the last state
    assert len(merged.contacts[alice].entries) == 3
    pb.push.close(stream)

    resumed = await pb.push.open(bob, token)
    again = await take(resumed)
    assert not again.full and len(again.contacts[alice].entries) == 3
    pb.push.close(resumed)

    # a token from the future (or too old) gets a reset, not a guess
    reset = await pb.push.open(bob, "r999999999")
    assert (await take(reset)).reset
    pb.push.close(reset)
    await pb.push.aclose()


async def test_a_stream_ends_when_its_token_expires_or_the_process_stops(pb: Phonebook) -> None:
    import time

    from api.routes.events import _body

    bob = await person(pb, "Bob", "+12025550102")
    stream = await pb.push.open(bob, None)
    parts = [part async for part in _body(pb, stream, time.time() + 0.3, heartbeat=0.05)]
    assert parts[0].startswith(b"retry:") and b"event: changes" in parts[1]
    assert pb.push.open_streams == 0  # closed with the body

    stopping = await pb.push.open(bob, None)
    pb.push.end_streams()
    parts = [part async for part in _body(pb, stopping, time.time() + 3600, heartbeat=60)]
    assert len(parts) == 1  # retry line only: the stream ends instead of waiting
    await pb.push.aclose()


async def test_the_stream_of_an_account_that_is_gone_ends(pb: Phonebook, engine: object) -> None:
    from sqlalchemy import delete
    from sqlalchemy.ext.asyncio import AsyncEngine

    from phonebook.store.tables import AccountRow

    assert isinstance(engine, AsyncEngine)
    bob = await person(pb, "Bob", "+12025550102")
    carol = await person(pb, "Carol", "+12025550103")
    bobs, carols = await pb.push.open(bob, None), await pb.push.open(carol, None)
    await take(bobs), await take(carols)
    async with engine.begin() as conn:
        await conn.execute(delete(AccountRow).where(AccountRow.id == bob))
    await pb.push.sweep()
    assert await asyncio.wait_for(bobs.next(), 30) is None
    assert not carols.ended
    await pb.push.aclose()
