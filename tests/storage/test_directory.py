"""The directory use cases on SQLite and PostgreSQL: what the store finds, what it returns,
and that nothing leaves it without a grant."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.app import Phonebook
from phonebook.config import PhonebookConfig
from phonebook.errors import Conflict, InvalidInput, NotFound, PhoneTaken, RateLimited
from phonebook.model import PUBLIC, ContactView
from phonebook.ratelimit import AllowAll


@pytest.fixture
def strict(engine: AsyncEngine) -> Phonebook:
    """Production rules (registering proves nothing); no limits in the way of the generator."""
    return Phonebook.build(engine, PhonebookConfig(auto_verify_phones=False), limiter=AllowAll())


async def person(pb: Phonebook, name: str, phone: str, aliases: list[str] | None = None) -> str:
    profile = await pb.accounts.register(name, phone, None)
    if aliases:
        await pb.accounts.update_profile(profile.id, aliases=aliases)
    return profile.id


async def test_public_entries_are_found_through_the_name_index(pb: Phonebook) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    zoe = await person(pb, "Zoë Müller", "+4915112345678")
    await pb.cards.add(zoe, "phone", "office", "+4930123456", {PUBLIC: "callable"})
    for query in ("zoe", "Müller", "mueller", "zoe muller"):
        (found,) = await pb.directory.lookup(viewer, name=query)
        assert found.id == zoe, query
        assert found.entries[0].value is None and found.entries[0].callable
    (by_keys,) = await pb.directory.lookup(viewer, digits="963")
    assert by_keys.id == zoe


async def test_han_names_by_pinyin_and_keypad(pb: Phonebook) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    zhang = await person(pb, "张伟", "+8613800138000")
    friends = await pb.circles.create(zhang, "friends")
    await pb.circles.add_member(zhang, friends.id, "+12025550100")
    await pb.cards.add(zhang, "phone", "mobile", "+8613800138001", {friends.id: "visible"})
    for query in ("张伟", "zhang wei", "zw", "wei"):
        (found,) = await pb.directory.lookup(viewer, name=query)
        assert found.name == "张伟", query
    for keys in ("94264", "934", "942640934"):
        (found,) = await pb.directory.lookup(viewer, digits=keys)
        assert found.id == zhang, keys


async def test_aliases_find_people(pb: Phonebook) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    robert = await person(pb, "Robert Jones", "+12025550101", aliases=["Bob"])
    await pb.cards.add(robert, "email", "home", "bob@example.org", {PUBLIC: "visible"})
    (found,) = await pb.directory.lookup(viewer, name="bob")
    assert found.id == robert and found.entries[0].value == "bob@example.org"


async def test_same_name_twice_is_ambiguous_not_a_guess(pb: Phonebook) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    for phone in ("+12025550101", "+12025550102"):
        owner = await person(pb, "John Smith", phone)
        await pb.cards.add(owner, "email", "work", f"{phone[-4:]}@example.org", {PUBLIC: "visible"})
    found = await pb.directory.lookup(viewer, name="john smith")
    assert len(found) == 2 and {c.name for c in found} == {"John Smith"}


async def test_grant_revoked_between_lookup_and_dial(pb: Phonebook) -> None:
    caller = await person(pb, "Caller", "+12025550100")
    alice = await person(pb, "Alice Martin", "+12025550101")
    family = await pb.circles.create(alice, "family")
    await pb.circles.add_member(alice, family.id, "+12025550100")
    mobile = await pb.cards.add(alice, "phone", "mobile", "+12025550111", {family.id: "callable"})
    (found,) = await pb.directory.lookup(caller, name="alice")
    assert await pb.directory.dialable(caller, found.id, mobile.id) == "+12025550111"
    await pb.cards.set_grant(alice, mobile.id, family.id, "hidden")
    with pytest.raises(NotFound):
        await pb.directory.dialable(caller, found.id, mobile.id)


async def test_dialable_refuses_blocked_callers_and_other_entries(pb: Phonebook) -> None:
    caller = await person(pb, "Caller", "+12025550100")
    alice = await person(pb, "Alice Martin", "+12025550101")
    mobile = await pb.cards.add(alice, "phone", "mobile", "+12025550111", {PUBLIC: "callable"})
    email = await pb.cards.add(alice, "email", "home", "a@example.org", {PUBLIC: "visible"})
    with pytest.raises(NotFound):
        await pb.directory.dialable(caller, alice, email.id)
    with pytest.raises(NotFound):
        await pb.directory.dialable(caller, caller, mobile.id)  # entry of someone else's card
    await pb.circles.block(alice, "+12025550100")
    with pytest.raises(NotFound):
        await pb.directory.dialable(caller, alice, mobile.id)


async def test_bad_sync_tokens_are_refused(pb: Phonebook) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    for token in ("abc", "r-1", "r", "r" + "9" * 30):
        with pytest.raises(InvalidInput) as err:
            await pb.directory.phonebook(viewer, token)
        assert err.value.code == "invalid_token"


async def test_a_token_from_the_future_gets_a_full_resync(pb: Phonebook) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    page = await pb.directory.phonebook(viewer, "r999999")
    assert page.full is True


async def test_every_change_bumps_the_sync_token(pb: Phonebook) -> None:
    alice = await person(pb, "Alice", "+12025550101")
    bob = await person(pb, "Bob", "+12025550102")
    family = await pb.circles.create(alice, "family")
    await pb.circles.add_member(alice, family.id, "+12025550102")
    entry = await pb.cards.add(alice, "phone", "mobile", "+12025550111", {family.id: "visible"})
    token = (await pb.directory.phonebook(bob)).sync_token
    changes = [
        lambda: pb.cards.update(alice, entry.id, label="cell"),
        lambda: pb.accounts.update_profile(alice, name="Alice M."),
        lambda: pb.cards.set_grant(alice, entry.id, family.id, "callable"),
        lambda: pb.cards.update(alice, entry.id, value="+12025550112"),
    ]
    for change in changes:
        await change()
        page = await pb.directory.phonebook(bob, token)
        assert [c.id for c in page.contacts] == [alice], change
        assert page.sync_token != token
        token = page.sync_token


# -- generated grant graphs: nothing leaves the store without a grant -----------------------

LEVELS = ["hidden", "callable", "visible"]


async def _random_graph(pb: Phonebook, rng: random.Random, base: int, g: dict[str, object]) -> None:
    """Add four people with random circles, grants and blocks; record what was granted in g
    (which keeps the earlier rounds' people: they are still in the store)."""
    phones = [f"+1202555{base + i:04d}" for i in range(4)]
    ids = [await person(pb, f"Person{base + i} Test", p) for i, p in enumerate(phones)]
    granted: dict[str, set[str]] = g.setdefault("granted", {})  # type: ignore[assignment]
    callable_: dict[str, set[str]] = g.setdefault("callable", {})  # type: ignore[assignment]
    circle_members: dict[str, set[str]] = g.setdefault("members", {})  # type: ignore[assignment]
    blocks: set[tuple[str, str]] = g.setdefault("blocks", set())  # type: ignore[assignment]
    for owner in ids:
        circles = [await pb.circles.create(owner, f"c{k}") for k in range(rng.randint(0, 2))]
        for circle in circles:
            members = {p for p in phones if rng.random() < 0.5}
            for p in members:
                await pb.circles.add_member(owner, circle.id, p)
            circle_members[circle.id] = members
        for k in range(rng.randint(0, 3)):
            kind = rng.choice(["phone", "email"])
            value = f"+1202556{base + k:04d}" if kind == "phone" else f"x{k}@example.org"
            audiences = [c.id for c in circles] + [PUBLIC]
            grants = {
                a: rng.choice(LEVELS[:1] + LEVELS[2:] if kind == "email" else LEVELS)
                for a in audiences
                if rng.random() < 0.6
            }
            entry = await pb.cards.add(owner, kind, f"l{k}", value, grants)
            granted[entry.id] = {a for a, lvl in grants.items() if lvl == "visible"}
            callable_[entry.id] = {a for a, lvl in grants.items() if lvl != "hidden"}
        for p in phones:
            if rng.random() < 0.15:
                await pb.circles.block(owner, p)
                blocks.add((owner, p))
    g["ids"], g["phones"] = ids, phones


def _check(view: ContactView, viewer_phone: str, g: dict[str, object]) -> None:
    members: dict[str, set[str]] = g["members"]  # type: ignore[assignment]
    blocks: set[tuple[str, str]] = g["blocks"]  # type: ignore[assignment]
    assert (view.id, viewer_phone) not in blocks
    reach = {c for c, m in members.items() if viewer_phone in m} | {PUBLIC}
    for entry in view.entries:
        visible = g["granted"][entry.id] & reach  # type: ignore[index]
        assert (entry.value is not None) == bool(visible)
        if entry.callable:
            assert g["callable"][entry.id] & reach  # type: ignore[index]


@pytest.mark.parametrize("seed", range(6))
async def test_no_response_carries_a_value_without_a_visible_grant(
    pb: Phonebook, seed: int
) -> None:
    rng = random.Random(seed)
    g: dict[str, object] = {}
    for round_ in range(3):
        await _random_graph(pb, rng, 100 * round_ + 10, g)
        ids: list[str] = g["ids"]  # type: ignore[assignment]
        phones: list[str] = g["phones"]  # type: ignore[assignment]
        for viewer, phone in zip(ids, phones, strict=True):
            page = await pb.directory.phonebook(viewer)
            for view in page.contacts:
                _check(view, phone, g)
            try:
                found = await pb.directory.lookup(viewer, name="test")
            except NotFound:
                found = []
            for view in found:
                _check(view, phone, g)


async def test_concurrent_phonebook_fetches_do_not_collide(pb: Phonebook) -> None:
    viewer = await person(pb, "Viewer", "+12025550100")
    for i in range(5):
        owner = await person(pb, f"Owner{i}", f"+1202555011{i}")
        friends = await pb.circles.create(owner, "friends")
        await pb.circles.add_member(owner, friends.id, "+12025550100")
        await pb.cards.add(owner, "phone", "mobile", f"+1202555012{i}", {friends.id: "callable"})
    pages = await asyncio.gather(*(pb.directory.phonebook(viewer) for _ in range(6)))
    assert all(len(p.contacts) == 5 for p in pages)


# -- generated registration and verification orders, squats included -------------------------


@pytest.mark.parametrize("seed", range(4))
async def test_nobody_reads_what_was_granted_to_a_number_they_did_not_prove(
    strict: Phonebook, seed: int
) -> None:
    """People 0-5 register one of three numbers in a generated order (several claim the same
    number: squats), and some of them prove it; after every step, nobody reads a value granted
    to a number other than one they proved themselves."""
    rng = random.Random(seed)
    steps = [(rng.randrange(6), rng.randrange(3), rng.random() < 0.4) for _ in range(14)]
    tag = f"s{seed}"
    numbers = [f"+120255502{k:02d}" for k in range(3)]
    owner = await strict.accounts.register("Owner", "+13035550100", None)
    await strict.accounts.verify_phone(owner.phone.e164)
    granted: dict[str, str] = {}  # entry value → the number it was granted to
    for k, number in enumerate(numbers):
        circle = await strict.circles.create(owner.id, f"c{k}")
        await strict.circles.add_member(owner.id, circle.id, number)
        value = f"secret{k}-{tag}@example.org"
        await strict.cards.add(owner.id, "email", f"l{k}", value, {circle.id: "visible"})
        granted[value] = number
    accounts: dict[int, tuple[str, str]] = {}  # person → (account id, claimed number)
    for person, k, prove in steps:
        if person not in accounts:
            try:
                profile = await strict.accounts.register(f"P{person}", numbers[k], None)
            except PhoneTaken:
                continue
            accounts[person] = (profile.id, numbers[k])
        account_id, number = accounts[person]
        if prove and await strict.accounts.exists(account_id):
            try:
                issued = await strict.verification.issue(account_id, number, "sms")
                await strict.verification.confirm(account_id, number, issued.code)
            except (PhoneTaken, Conflict, NotFound, RateLimited):
                pass
        for account_id, _ in accounts.values():
            if not await strict.accounts.exists(account_id):
                continue  # dropped with its claim: it reads nothing any more
            proved = {
                p.e164 for p in (await strict.accounts.profile(account_id)).phones if p.verified
            }
            page = await strict.directory.phonebook(account_id)
            for view in page.contacts:
                for entry in view.entries:
                    assert entry.value is None or granted[entry.value] in proved
