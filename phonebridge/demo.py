"""A small phonebook to try lookups at once: Latin and Chinese names, circles, a pending
member and a block."""

from __future__ import annotations

from phonebook.app import Phonebook
from phonebook.errors import PhoneTaken

PASSWORD = "demo-password"

# name, phone, aliases
PEOPLE = [
    ("Alice Martin", "+12025550101", []),
    ("Bob Smith", "+12025550102", ["Bobby"]),
    ("Carol Jones", "+12025550103", []),
    ("张伟", "+8613800138000", ["Zhang Wei"]),
    ("Zoë Müller", "+4915112345678", []),
    ("Mallory Black", "+12025550109", []),
]
PENDING = "+12025550199"  # in Alice's family circle, not registered yet


async def seed(pb: Phonebook) -> list[tuple[str, str]]:
    """Create the demo people. Returns (name, phone) pairs; empty if already seeded."""
    ids: dict[str, str] = {}
    for name, phone, aliases in PEOPLE:
        try:
            profile = await pb.accounts.register(name, phone, PASSWORD)
        except PhoneTaken:
            return []
        await pb.accounts.verify_phone(phone)
        if aliases:
            await pb.accounts.update_profile(profile.id, aliases=aliases)
        ids[name] = profile.id
    alice, bob, carol = ids["Alice Martin"], ids["Bob Smith"], ids["Carol Jones"]
    zhang, zoe, mallory = ids["张伟"], ids["Zoë Müller"], ids["Mallory Black"]

    # Alice: family sees her mobile, clients may only be connected to her office line
    family = await pb.circles.create(alice, "family")
    clients = await pb.circles.create(alice, "clients")
    for phone in ("+12025550102", "+8613800138000", PENDING):
        await pb.circles.add_member(alice, family.id, phone)
    await pb.circles.add_member(alice, clients.id, "+12025550103")
    await pb.cards.add(alice, "phone", "mobile", "+12025550111", {family.id: "visible"})
    await pb.cards.add(
        alice, "phone", "office", "+12025550112", {clients.id: "callable", family.id: "visible"}
    )
    await pb.cards.add(alice, "email", "home", "alice@example.org", {family.id: "visible"})
    await pb.circles.block(alice, "+12025550109")

    # Bob and 张伟 share with Alice; Zoë lists a public office number
    for owner, phone_value in ((bob, "+12025550122"), (zhang, "+8613800138001")):
        friends = await pb.circles.create(owner, "friends")
        await pb.circles.add_member(owner, friends.id, "+12025550101")
        await pb.cards.add(owner, "phone", "mobile", phone_value, {friends.id: "callable"})
    await pb.cards.add(zoe, "phone", "office", "+4930123456", {"public": "callable"})
    await pb.cards.add(carol, "email", "work", "carol@example.com", {"public": "visible"})
    await pb.cards.add(mallory, "email", "work", "mallory@example.com", {"public": "visible"})
    return [(name, phone) for name, phone, _ in PEOPLE]
