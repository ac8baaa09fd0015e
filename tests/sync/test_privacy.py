"""Generated graphs (seeded, both databases): after every random change, each open stream got
an update exactly when its viewer's phonebook changed, the update brings the stream to the
truth, and no event, SSE payload or vCard carries a value the viewer may not see; a phone
that is callable but hidden never appears in any of them."""

from __future__ import annotations

import random

import pytest
import vobject
from sqlalchemy.ext.asyncio import AsyncEngine

from api.routes.events import encode
from phonebook.app import Phonebook
from phonebook.config import PhonebookConfig
from phonebook.errors import PhonebookError
from phonebook.model import ContactView
from phonebook.sync import Update
from tests.sync.test_push import settled

PEOPLE = 5
STEPS = 30


def digits(value: str) -> str:
    return value.lstrip("+")


def apply(before: dict[str, ContactView], update: Update | None) -> dict[str, ContactView]:
    after = dict(before)
    if update is not None:
        for owner in update.removed:
            after.pop(owner, None)
        after.update(update.contacts)
    return after


@pytest.mark.parametrize("seed", [1, 2])
async def test_streams_hear_exactly_their_own_changes_and_nothing_hidden(
    engine: AsyncEngine, seed: int
) -> None:
    rng = random.Random(seed)
    config = PhonebookConfig(
        default_region="US", auto_verify_phones=True, access_number="+12025550000"
    )
    pb = Phonebook.build(engine, config)
    phones = [f"+1202555{100 + i:04d}" for i in range(PEOPLE)]
    people = [(await pb.accounts.register(f"P{i}", p, None)).id for i, p in enumerate(phones)]
    circles = {p: [(await pb.circles.create(p, "c0")).id] for p in people}
    entries: dict[str, list[str]] = {p: [] for p in people}
    values: list[str] = []
    streams = {v: await pb.push.open(v, None) for v in people}
    truth: dict[str, dict[str, ContactView]] = {}
    for viewer, stream in streams.items():
        first = await stream.next()
        assert first is not None and first.full
        truth[viewer] = dict(first.contacts)

    told = quiet = 0
    for step in range(STEPS):
        owner = rng.choice(people)
        action = rng.choice(["entry", "grant", "grant", "member", "unmember", "block", "circle"])
        try:
            if action == "entry":
                value = f"+1202556{step:02d}{rng.randrange(100):02d}"
                values.append(value)
                made = await pb.cards.add(owner, "phone", "mobile", value, {})
                entries[owner].append(made.id)
            elif action == "grant" and entries[owner]:
                audience = rng.choice([*circles[owner], "public"])
                level = rng.choice(["hidden", "callable", "visible"])
                await pb.cards.set_grant(owner, rng.choice(entries[owner]), audience, level)
            elif action == "member":
                await pb.circles.add_member(owner, rng.choice(circles[owner]), rng.choice(phones))
            elif action == "unmember":
                await pb.circles.remove_member(
                    owner, rng.choice(circles[owner]), rng.choice(phones)
                )
            elif action == "block":
                target = rng.choice(phones)
                if rng.random() < 0.5:
                    await pb.circles.block(owner, target)
                else:
                    await pb.circles.unblock(owner, target)
            elif action == "circle":
                circles[owner].append((await pb.circles.create(owner, f"c{step}")).id)
        except PhonebookError:
            pass  # a refused change (not a member, already blocked …) changes nothing
        await settled(pb)
        for viewer in people:
            _, now = await pb.directory.snapshot(viewer)
            update = streams[viewer].pending
            if update is not None:
                assert await streams[viewer].next() is update
            if now == truth[viewer]:
                assert update is None, f"step {step}: an event for an unchanged view"
                quiet += 1
            else:
                told += 1
                assert update is not None, f"step {step}: a change was not pushed"
                assert apply(truth[viewer], update) == now
            shown = {e.value for c in now.values() for e in c.entries if e.value}
            hidden = [digits(v) for v in values if v not in shown]
            texts = [encode(update).decode()] if update is not None else []
            texts += [c.text for c in (await pb.address_book.all(viewer))[1]]
            for text in texts:
                assert not [h for h in hidden if h in text], f"step {step}: a hidden value"
            for card in texts[1 if update is not None else 0 :]:
                vobject.readOne(card)
            truth[viewer] = now
    assert told and quiet  # the graph did change views, and left others alone
    await pb.push.aclose()
