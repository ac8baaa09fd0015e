"""The domain's value types. Pure data: no database, no transport."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

PUBLIC = "public"
"""The audience that means every registered account."""


class Level(IntEnum):
    """What an audience may do with one entry. Ordered: a higher level includes the lower."""

    HIDDEN = 0
    CALLABLE = 1
    VISIBLE = 2

    @classmethod
    def parse(cls, name: str) -> Level:
        return cls[name.upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


class EntryKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class Entry:
    """One value on an owner's card, with its grants per audience (circle id or PUBLIC)."""

    id: str
    kind: EntryKind
    label: str
    value: str
    position: int
    grants: dict[str, Level] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Card:
    """Everything the policy needs about one owner, seen from one viewer."""

    owner_id: str
    name: str
    aliases: tuple[str, ...]
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Relation:
    """How one viewer stands to one owner: the owner's circles the viewer is in, and a block."""

    circles: frozenset[str] = frozenset()
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class EntryView:
    id: str
    kind: EntryKind
    label: str
    value: str | None  # None unless the viewer has a visible grant
    callable: bool


@dataclass(frozen=True, slots=True)
class ContactView:
    """One contact in a viewer's phonebook: exactly what that viewer may see or call."""

    id: str
    name: str
    entries: tuple[EntryView, ...]

    def callable_phones(self) -> tuple[EntryView, ...]:
        return tuple(e for e in self.entries if e.callable)
