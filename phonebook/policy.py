"""The access policy: one pure function decides what a viewer gets of an entry.

Every route that reveals or dials anything goes through ``entry_level`` (via ``project``):
the HTTP API, the IVR, Twilio and sync alike.
"""

from __future__ import annotations

from phonebook.model import (
    PUBLIC,
    Card,
    ContactView,
    Entry,
    EntryKind,
    EntryView,
    Level,
    Relation,
)


def entry_level(viewer_id: str, owner_id: str, entry: Entry, relation: Relation) -> Level:
    """The level ``viewer_id`` has on ``entry`` of ``owner_id``.

    The owner sees everything; a block beats every grant; otherwise the best grant among
    the viewer's circles of this owner and ``public``. ``callable`` only means something for
    phones, so it is never more than hidden on an e-mail or address.
    """
    if viewer_id == owner_id:
        return Level.VISIBLE
    if relation.blocked:
        return Level.HIDDEN
    audiences = relation.circles | {PUBLIC}
    level = max((entry.grants.get(a, Level.HIDDEN) for a in audiences), default=Level.HIDDEN)
    if level == Level.CALLABLE and entry.kind != EntryKind.PHONE:
        return Level.HIDDEN
    return level


def project(viewer_id: str, card: Card, relation: Relation) -> ContactView | None:
    """The contact ``viewer_id`` gets of ``card``, or None when nothing is shared.

    None is the whole answer for an owner who shares nothing: such an owner does not exist
    for this viewer.
    """
    views: list[EntryView] = []
    for entry in sorted(card.entries, key=lambda e: (e.position, e.id)):
        level = entry_level(viewer_id, card.owner_id, entry, relation)
        if level == Level.HIDDEN:
            continue
        views.append(
            EntryView(
                id=entry.id,
                kind=entry.kind,
                label=entry.label,
                value=entry.value if level == Level.VISIBLE else None,
                callable=entry.kind == EntryKind.PHONE and level >= Level.CALLABLE,
            )
        )
    if not views:
        return None
    return ContactView(id=card.owner_id, name=card.name, entries=tuple(views))


def dialable(viewer_id: str, card: Card, relation: Relation, entry_id: str) -> str | None:
    """The number the bridge may dial for ``viewer_id``, checked at the moment of dialling.

    Returns the stored E.164 value only when the entry is a phone on the card and granted
    callable or visible to this viewer now; otherwise None. Never a typed-in number.
    """
    if viewer_id == card.owner_id:
        return None  # calling yourself through the bridge is not a call worth placing
    for entry in card.entries:
        if entry.id == entry_id and entry.kind == EntryKind.PHONE:
            level = entry_level(viewer_id, card.owner_id, entry, relation)
            return entry.value if level >= Level.CALLABLE else None
    return None
