"""Spellings: every way a name may be written in Latin letters, and its phonetic keys.

A `NameIndex` holds them for one person and is built once per name change: the display name
as typed, the pinyin readings of a Han name, the aliases, and a one-word alias in place of the
first name. German umlauts get a second spelling with ä/ö/ü -> ae/oe/ue, so "Müller" is found
by both "muller" and "mueller" (and a query "müller" finds a "Mueller").

Phonetic codes are jellyfish Metaphone: unlike NYSIIS it gives "smith" and "smyth" the same
code, and unlike Soundex it does not pin the first letter, which suits speech transcripts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jellyfish

from phonebook.names.normalizing import (
    ASCII_WORD,
    has_han,
    normalize,
    normalize_german,
    without_filler,
)
from phonebook.names.pinyin import Spelling, pinyin_spellings, unique

Source = Literal["name", "pinyin", "alias"]

MIN_FUZZY_LETTERS = 3  # two letters say too little to guess a spelling mistake from
MAX_TOKENS = 6  # query/name words compared pairwise; 6! = 720 assignments at most
MAX_INITIALS = 6


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Everything needed to match one person; built once per name change."""

    display: str
    spellings: tuple[tuple[str, ...], ...]  # display first, then pinyin readings, then aliases
    phonetic: frozenset[str]  # Metaphone code of every token


def index_name(display_name: str, aliases: Sequence[str] = ()) -> NameIndex:
    own = spellings_of(display_name)
    found = [spelling for spelling, _ in own]
    for alias in aliases:
        found.extend(spelling for spelling, _ in spellings_of(alias))
        found.extend(_nickname_with_surname(alias, own))
    spellings = tuple(unique(found))
    codes = {phonetic_code(token) for spelling in spellings for token in spelling}
    return NameIndex(display_name, spellings, frozenset(codes - {""}))


@lru_cache(maxsize=4096)
def spellings_of(text: str) -> tuple[tuple[Spelling, Source], ...]:
    """Every latin token sequence `text` may be written as, with where it came from."""
    norm = normalize(text)
    if not norm:
        return ()
    if has_han(norm):
        return tuple((spelling, "pinyin") for spelling in pinyin_spellings(norm))
    found: list[Spelling] = [tuple(norm.split())]
    german = normalize_german(text)
    if german != norm:
        found.append(tuple(german.split()))
    return tuple((spelling, "name") for spelling in unique(found))


@lru_cache(maxsize=16384)
def phonetic_code(token: str) -> str:
    # Metaphone is defined for English letters only; other scripts get no code
    if not ASCII_WORD.fullmatch(token):
        return ""
    return str(jellyfish.metaphone(token))


def encode_index(index: NameIndex) -> str:
    """The index as stored next to the name (``accounts.name_index``): computed once per name
    change, so a lookup ranks without re-deriving pinyin or phonetic codes."""
    return json.dumps(
        {"s": [list(s) for s in index.spellings], "p": sorted(index.phonetic)},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode_index(display_name: str, stored: str) -> NameIndex:
    data = json.loads(stored)
    spellings = tuple(tuple(str(t) for t in s) for s in data["s"])
    return NameIndex(display_name, spellings, frozenset(str(c) for c in data["p"]))


def _nickname_with_surname(alias: str, own: tuple[tuple[Spelling, Source], ...]) -> list[Spelling]:
    """A one-word alias in place of the first name: "Kate" + "Catherine O'Brien" is also
    "kate o brien", which is how people say a nickname."""
    words = normalize(alias).split()
    if len(words) != 1 or has_han(words[0]):
        return []
    return [
        (words[0], *spelling[1:])
        for spelling, source in own[:1]
        if source == "name" and len(spelling) >= 2
    ]


def query_spellings(query: str) -> list[Spelling]:
    """The spellings of a typed or spoken query, without the filler around the name."""
    # per spelling, so "call müller" keeps its German reading "mueller"
    spellings = (without_filler(spelling) for spelling, _ in spellings_of(query))
    return unique(spelling[:MAX_TOKENS] for spelling in spellings)


def initials(spelling: Spelling) -> str:
    return "".join(token[0] for token in spelling)


def initials_query(spelling: Spelling) -> str | None:
    """The query as initials ("js"), if it can be: one short word of plain letters."""
    if len(spelling) != 1:
        return None
    word = spelling[0]
    ok = 2 <= len(word) <= MAX_INITIALS and ASCII_WORD.fullmatch(word) is not None
    return word if ok else None
