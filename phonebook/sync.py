"""What changed for one viewer: pure functions over what the viewer was last told.

A ``Ledger`` holds a fingerprint of every contact a stream has told its viewer about. An
event names owners; for each, the viewer's current view (``view_of``) is compared with the
ledger, and only a difference becomes part of an update. A change the viewer cannot see
leaves their view, hence their fingerprint, as it was: they are sent nothing, so neither the
count nor the timing of their events says anything about what is hidden from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from phonebook import policy
from phonebook.model import Card, ContactView, Relation


def view_of(viewer_id: str, card: Card | None, relation: Relation) -> ContactView | None:
    """The contact of ``card`` in the viewer's phonebook, the same rule as the phonebook's own:
    owners with the viewer in a circle, never the viewer, never an owner who blocks them."""
    if card is None or card.owner_id == viewer_id or relation.blocked or not relation.circles:
        return None
    return policy.project(viewer_id, card, relation)


def fingerprint(view: ContactView) -> int:
    return hash(view)  # frozen dataclasses of str/enum/bool: equal views, equal hashes


@dataclass(slots=True)
class Update:
    """What one stream sends next: the new token, contacts to replace, ids to drop."""

    token: str
    contacts: dict[str, ContactView] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    full: bool = False  # the contacts are the whole phonebook
    reset: bool = False  # the client's token is too old: it must fetch everything again

    def merge(self, later: Update) -> None:
        """``later`` on top of this one, so an unread update is never lost, only merged."""
        self.token = later.token
        if later.reset:
            self.reset, self.contacts, self.removed, self.full = True, {}, set(), False
            return
        for owner, view in later.contacts.items():
            self.contacts[owner] = view
            self.removed.discard(owner)
        for owner in later.removed:
            self.contacts.pop(owner, None)
            self.removed.add(owner)

    def __bool__(self) -> bool:
        return bool(self.contacts or self.removed or self.full or self.reset)


class Ledger:
    """Fingerprints of what one stream told its viewer, by owner."""

    __slots__ = ("_seen",)

    def __init__(self, views: Iterable[ContactView] = ()) -> None:
        self._seen: dict[str, int] = {v.id: fingerprint(v) for v in views}

    def __contains__(self, owner_id: object) -> bool:
        return owner_id in self._seen

    def owners(self) -> Iterable[str]:
        return self._seen.keys()

    def known(self, owners: set[str]) -> set[str]:
        """Those of ``owners`` this stream has told about (cheap for a small ledger)."""
        if len(owners) < len(self._seen):
            return {o for o in owners if o in self._seen}
        return {o for o in self._seen if o in owners}

    def apply(self, token: str, views: Mapping[str, ContactView | None]) -> Update:
        """Compare the current ``views`` (None: nothing shared) of some owners with the
        ledger; record them, and return what differs."""
        update = Update(token)
        for owner, view in views.items():
            before = self._seen.get(owner)
            if view is None:
                if before is not None:
                    del self._seen[owner]
                    update.removed.add(owner)
                continue
            now = fingerprint(view)
            if now != before:
                self._seen[owner] = now
                update.contacts[owner] = view
        return update
