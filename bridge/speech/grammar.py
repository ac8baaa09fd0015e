"""The speech grammar of one caller: every way they may say a name they can reach.

Built from the same spellings the phonebook matches typed names with (accents folded,
pinyin readings of Han names, aliases), so a recognised phrase is always a query the
directory resolves. Pure: no engine, no database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from phonebook.names import index_name

MAX_PHRASES = 5000  # a bigger grammar decodes slowly and confuses more than it helps
MIN_ALONE = 2  # a one-letter token ("o" of O'Brien) is never a phrase on its own


@dataclass(frozen=True, slots=True)
class Grammar:
    phrases: tuple[str, ...]  # lower-case ASCII words separated by single spaces

    @property
    def key(self) -> str:
        """Stable per content: an engine caches its compiled grammar under it, and a changed
        phonebook gives another key, so nothing stale is ever decoded against."""
        return hashlib.sha256("\n".join(self.phrases).encode()).hexdigest()[:24]

    @property
    def words(self) -> frozenset[str]:
        return frozenset(word for phrase in self.phrases for word in phrase.split())


def phrases_of(name: str) -> list[str]:
    """What a caller may say for ``name``: each spelling whole, and its first and last word."""
    found: list[str] = []
    for spelling in index_name(name).spellings:
        words = [w for w in spelling if w.isascii() and w.isalpha()]
        if not words:
            continue
        found.append(" ".join(words))
        if len(words) >= 2:
            found += [w for w in (words[0], words[-1]) if len(w) >= MIN_ALONE]
    return list(dict.fromkeys(found))


def build_grammar(names: Iterable[str]) -> Grammar:
    """The grammar for a caller from the names (and aliases) they may reach."""
    phrases: dict[str, None] = {}
    for name in names:
        for phrase in phrases_of(name):
            phrases.setdefault(phrase)
            if len(phrases) >= MAX_PHRASES:
                return Grammar(tuple(sorted(phrases)))
    return Grammar(tuple(sorted(phrases)))
