"""Han names in Latin letters: the pinyin spellings a caller may type or say for them.

Read with pypinyin (no tones, ü -> u). Only the first Han character (the surname) gets every
heteronym reading (单 -> dan/chan/shan), which keeps the product small. A name of three or
more characters also gets the usual two-word form ("zhang xiaoming"), with the two-character
surnames kept together ("欧阳娜娜" -> "ouyang nana").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from phonebook.names.normalizing import HAN, HAN_RUNS, HAN_WORD, normalize

Spelling = tuple[str, ...]  # one way to write a name: its normalised words, in order

# two-character surnames, so "欧阳娜娜" also reads as "ouyang nana"
_COMPOUND_SURNAMES = frozenset(
    {
        *("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容"),
        *("夏侯", "尉迟", "长孙", "宇文", "司徒", "公孙", "端木", "南宫"),
    }
)


class _Word(NamedTuple):
    pieces: tuple[str, ...]  # one per Han syllable, one per latin run
    all_han: bool


def pinyin_spellings(norm: str) -> list[Spelling]:
    """Every pinyin spelling of the normalised name ``norm`` (which holds Han characters)."""
    # imported here: pypinyin loads its dictionaries on import (~0.2 s), not needed for latin
    from pypinyin import Style, lazy_pinyin, pinyin

    def read(run: str) -> list[str]:
        syllables = lazy_pinyin(run, style=Style.NORMAL, v_to_u=True)
        return [p for p in (normalize(str(s)) for s in syllables) if p]

    def heteronyms(char: str) -> list[str]:
        readings = pinyin(char, style=Style.NORMAL, heteronym=True, v_to_u=True)
        return [normalize(str(r)) for r in readings[0]] if readings else []

    tokens = norm.split()
    words = [_word(token, read) for token in tokens]
    found: list[Spelling] = []
    for variant in _with_surname_readings(words, tokens, heteronyms):
        found.append(tuple(piece for word in variant for piece in word.pieces))
        found.append(_grouped(variant, tokens))
    return unique(s for s in found if s)


def unique(spellings: Iterable[Spelling]) -> list[Spelling]:
    """``spellings`` without repeats, in their first order."""
    return list(dict.fromkeys(spellings))


def _word(token: str, read: Callable[[str], list[str]]) -> _Word:
    pieces: list[str] = []
    for run in HAN_RUNS.findall(token):
        pieces.extend(read(run) if HAN.match(run) else [run])
    return _Word(tuple(pieces), HAN_WORD.fullmatch(token) is not None)


def _with_surname_readings(
    words: list[_Word], tokens: list[str], heteronyms: Callable[[str], list[str]]
) -> list[list[_Word]]:
    """One copy of `words` per reading of the first Han character (the surname)."""
    at = _first_han_piece(tokens)
    if at is None:
        return [words]
    word_index, piece_index = at
    pieces = words[word_index].pieces
    if piece_index >= len(pieces):
        return [words]  # pypinyin gave no syllable for it
    han = HAN.search(tokens[word_index])
    readings = heteronyms(han.group()) if han else []
    variants: list[list[_Word]] = []
    for reading in dict.fromkeys([pieces[piece_index], *readings]):  # default reading first
        changed = (*pieces[:piece_index], reading, *pieces[piece_index + 1 :])
        word = words[word_index]._replace(pieces=changed)
        variants.append([*words[:word_index], word, *words[word_index + 1 :]])
    return variants


def _first_han_piece(tokens: list[str]) -> tuple[int, int] | None:
    """Word and piece position of the first Han character (latin runs are one piece each)."""
    for word_index, token in enumerate(tokens):
        for run_index, run in enumerate(HAN_RUNS.findall(token)):
            if HAN.match(run):
                return word_index, run_index
    return None


def _grouped(words: list[_Word], tokens: list[str]) -> Spelling:
    """The usual pinyin form: surname, then the given name as one word ("zhang xiaoming")."""
    first_han = next((i for i, word in enumerate(words) if word.all_han), None)
    out: list[str] = []
    for index, word in enumerate(words):
        if not word.all_han:
            out.extend(word.pieces)
        elif index == first_han:
            size = 2 if tokens[index][:2] in _COMPOUND_SURNAMES else 1
            surname, given = "".join(word.pieces[:size]), "".join(word.pieces[size:])
            out.extend(part for part in (surname, given) if part)
        else:
            out.append("".join(word.pieces))
    return tuple(out)


class HanName(NamedTuple):
    family: str  # 张
    given: str  # 伟
    family_pinyin: str  # Zhang
    given_pinyin: str  # Wei


def phonetic_name(name: str) -> HanName | None:
    """A name written in Han characters split into family and given name, each with its
    pinyin ("张伟" → 张, 伟, Zhang, Wei), for a phone's phonetic sort and search fields; None
    for any other name."""
    han = name.replace(" ", "")
    if not han or not all(HAN.match(ch) for ch in han):
        return None
    from pypinyin import Style, lazy_pinyin

    cut = 2 if han[:2] in _COMPOUND_SURNAMES and len(han) > 2 else 1
    family, given = han[:cut], han[cut:]

    def read(text: str) -> str:
        return "".join(lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)).capitalize()

    return HanName(family, given, read(family), read(given))
