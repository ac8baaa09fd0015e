"""The access policy, exhaustively and by property, without a database."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from phonebook.model import PUBLIC, Card, Entry, EntryKind, Level, Relation
from phonebook.policy import dialable, entry_level, project

OWNER, VIEWER = "owner", "viewer"
FAMILY, CLIENTS = "family", "clients"


def phone(grants: dict[str, Level], entry_id: str = "e1") -> Entry:
    return Entry(entry_id, EntryKind.PHONE, "mobile", "+12025550111", 0, grants)


def test_hidden_is_the_default() -> None:
    assert entry_level(VIEWER, OWNER, phone({}), Relation(frozenset({FAMILY}))) == Level.HIDDEN


def test_grant_to_a_circle_reaches_only_its_members() -> None:
    entry = phone({FAMILY: Level.VISIBLE})
    assert entry_level(VIEWER, OWNER, entry, Relation(frozenset({FAMILY}))) == Level.VISIBLE
    assert entry_level(VIEWER, OWNER, entry, Relation(frozenset({CLIENTS}))) == Level.HIDDEN
    assert entry_level(VIEWER, OWNER, entry, Relation()) == Level.HIDDEN


def test_public_reaches_every_account() -> None:
    entry = phone({PUBLIC: Level.CALLABLE})
    assert entry_level(VIEWER, OWNER, entry, Relation()) == Level.CALLABLE


def test_best_grant_among_the_viewers_circles_wins() -> None:
    entry = phone({FAMILY: Level.VISIBLE, CLIENTS: Level.CALLABLE, PUBLIC: Level.CALLABLE})
    both = Relation(frozenset({FAMILY, CLIENTS}))
    assert entry_level(VIEWER, OWNER, entry, both) == Level.VISIBLE


def test_a_block_beats_every_grant() -> None:
    entry = phone({FAMILY: Level.VISIBLE, PUBLIC: Level.VISIBLE})
    blocked = Relation(frozenset({FAMILY}), blocked=True)
    assert entry_level(VIEWER, OWNER, entry, blocked) == Level.HIDDEN
    card = Card(OWNER, "Alice", (), (entry,))
    assert project(VIEWER, card, blocked) is None
    assert dialable(VIEWER, card, blocked, "e1") is None


def test_owner_sees_own_card() -> None:
    assert entry_level(OWNER, OWNER, phone({}), Relation()) == Level.VISIBLE


def test_callable_shows_label_but_never_the_value() -> None:
    card = Card(OWNER, "Alice", (), (phone({CLIENTS: Level.CALLABLE}),))
    view = project(VIEWER, card, Relation(frozenset({CLIENTS})))
    assert view is not None
    (entry,) = view.entries
    assert entry.label == "mobile" and entry.value is None and entry.callable


def test_callable_means_nothing_on_an_email() -> None:
    email = Entry("m1", EntryKind.EMAIL, "home", "a@example.org", 0, {FAMILY: Level.CALLABLE})
    assert entry_level(VIEWER, OWNER, email, Relation(frozenset({FAMILY}))) == Level.HIDDEN


def test_owner_sharing_nothing_does_not_exist_for_the_viewer() -> None:
    card = Card(OWNER, "Alice", (), (phone({FAMILY: Level.VISIBLE}),))
    assert project(VIEWER, card, Relation(frozenset({CLIENTS}))) is None


def test_dialable_only_for_granted_stored_phones() -> None:
    mobile = phone({FAMILY: Level.CALLABLE}, "mobile")
    office = phone({}, "office")
    email = Entry("mail", EntryKind.EMAIL, "home", "a@example.org", 1, {FAMILY: Level.VISIBLE})
    card = Card(OWNER, "Alice", (), (mobile, office, email))
    family = Relation(frozenset({FAMILY}))
    assert dialable(VIEWER, card, family, "mobile") == "+12025550111"
    assert dialable(VIEWER, card, family, "office") is None
    assert dialable(VIEWER, card, family, "mail") is None
    assert dialable(VIEWER, card, family, "no-such-entry") is None
    assert dialable(VIEWER, card, Relation(), "mobile") is None


def test_entries_come_in_the_owners_order() -> None:
    a = Entry("a", EntryKind.PHONE, "work", "+12025550112", 1, {PUBLIC: Level.VISIBLE})
    b = Entry("b", EntryKind.PHONE, "mobile", "+12025550111", 0, {PUBLIC: Level.VISIBLE})
    view = project(VIEWER, Card(OWNER, "Alice", (), (a, b)), Relation())
    assert view is not None
    assert [e.label for e in view.entries] == ["mobile", "work"]


def test_every_combination_of_grants_and_relation() -> None:
    audiences = [FAMILY, CLIENTS, PUBLIC]
    for levels in itertools.product(list(Level), repeat=3):
        grants = {a: lvl for a, lvl in zip(audiences, levels, strict=True) if lvl != Level.HIDDEN}
        for circles in ({FAMILY}, {CLIENTS}, set(), {FAMILY, CLIENTS}):
            for blocked in (False, True):
                got = entry_level(
                    VIEWER, OWNER, phone(grants), Relation(frozenset(circles), blocked)
                )
                reach = circles | {PUBLIC}
                want = (
                    Level.HIDDEN
                    if blocked
                    else max((grants.get(a, Level.HIDDEN) for a in reach), default=Level.HIDDEN)
                )
                assert got == want


# -- property: no projection ever carries a value without a visible grant -------------------

levels = st.sampled_from(list(Level))
audience = st.sampled_from(["c1", "c2", "c3", PUBLIC])
entries = st.lists(
    st.tuples(st.sampled_from(list(EntryKind)), st.dictionaries(audience, levels, max_size=4)),
    max_size=6,
)


@given(entries, st.frozensets(st.sampled_from(["c1", "c2", "c3"])), st.booleans())
def test_no_value_without_a_visible_grant(
    spec: list[tuple[EntryKind, dict[str, Level]]], circles: frozenset[str], blocked: bool
) -> None:
    card = Card(
        OWNER,
        "Alice",
        (),
        tuple(
            Entry(f"e{i}", kind, "l", f"v{i}", i, grants) for i, (kind, grants) in enumerate(spec)
        ),
    )
    relation = Relation(circles, blocked)
    view = project(VIEWER, card, relation)
    by_id = {e.id: e for e in card.entries}
    reach = circles | {PUBLIC}
    for shown in view.entries if view else ():
        grants = by_id[shown.id].grants
        visible = not blocked and any(grants.get(a) == Level.VISIBLE for a in reach)
        callable_ = not blocked and any(
            grants.get(a, Level.HIDDEN) >= Level.CALLABLE for a in reach
        )
        assert (shown.value is not None) == visible
        assert shown.callable == (callable_ and by_id[shown.id].kind == EntryKind.PHONE)
        assert dialable(VIEWER, card, relation, shown.id) == (
            by_id[shown.id].value if shown.callable else None
        )
    if view is None or blocked:
        for entry in card.entries:
            assert dialable(VIEWER, card, relation, entry.id) is None
