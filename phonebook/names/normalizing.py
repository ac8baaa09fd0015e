"""Normalising: one plain spelling of what a person typed, said or stored, and what a Han
character is (the one definition every module uses).

- `normalize` turns apostrophes, hyphens and other punctuation into word breaks
  ("O'Brien" -> "o brien"; the joined key "obrien" still finds it), drops a possessive "'s"
  ("john smith's" -> "john smith") and strips accents ("Müller" -> "muller").
- `normalize_german` also writes ä/ö/ü as ae/oe/ue, the second spelling of German names.
- A spoken query loses what people say around a name ("uh, call bob please" -> "bob"): fixed
  phrases at the ends and hesitations anywhere, never the whole query, so someone really
  named "Ring" is still found by "ring".
"""

from __future__ import annotations

import re
import unicodedata

# --- what a Han character is: CJK Unified Ideographs, Extension A, the Compatibility
# Ideographs and Extensions B-H (planes 2 and 3). The only definition in the code base.
HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN = re.compile(f"[{HAN_CLASS}]")
HAN_WORD = re.compile(f"[{HAN_CLASS}]+")  # with fullmatch: a token made only of Han
HAN_RUNS = re.compile(f"[{HAN_CLASS}]+|[^{HAN_CLASS}]+")  # a token cut where the script changes

ASCII_WORD = re.compile(r"[a-z]+")  # a normalised word of plain Latin letters

_APOSTROPHES = "'’‘ʼ`´"
# "smith's" -> "smith": a possessive in a typed or transcribed query is not part of the name
_POSSESSIVE = re.compile(r"(?<=\w)['’ʼ]s\b")
_TO_SPACE = str.maketrans(dict.fromkeys(_APOSTROPHES, " "))
# what callers say around a name, on normalised text (apostrophes are spaces: "i d like to").
# Phrases, not single words: "to", "me" or "oh" alone may be part of a name (Korean "Oh").
_HESITATIONS = frozenset({"uh", "um", "umm", "er", "erm", "hmm", "uhm"})
_LEADING_FILLER = re.compile(
    r"^(?:(?:hi|hello|hey|yes|yeah|ok|okay)\s+)*"
    r"(?:(?:please|can you|could you|would you|i want to|i wanna|i would like to|i d like to"
    r"|i need to)\s+)?"
    r"(?:please\s+)?"
    r"(?:(?:call|dial|phone|ring|get me|connect me to|connect me with|connect to"
    r"|put me through to|speak to|speak with|talk to|talk with)\s+)?"
)
_TRAILING_FILLER = re.compile(r"\s+(?:please|thanks|thank you|now)$")
# letters that NFKD does not decompose but every user types without the stroke
_LETTER_FOLDS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h"}
)
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def has_han(text: str) -> bool:
    """Whether ``text`` holds at least one Han character (such a name is read in pinyin)."""
    return HAN.search(text) is not None


def query_length(text: str) -> int:
    """How much of a name a query spells, in Latin letters. A wide East Asian character (Han,
    and also kana and Hangul, which are not Han) is a whole syllable, as specific as two
    letters: "伟" or "김" alone is a query, "w" alone is not."""
    return sum(2 if unicodedata.east_asian_width(ch) == "W" else 1 for ch in text)


def normalize(text: str) -> str:
    """NFKC, case-fold, strip accents, punctuation to spaces, collapse whitespace."""
    return _normalize(text, german=False)


def normalize_german(text: str) -> str:
    """`normalize`, with ä/ö/ü written ae/oe/ue: "Müller" -> "mueller"."""
    return _normalize(text, german=True)


def _normalize(text: str, *, german: bool) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _POSSESSIVE.sub("", folded).translate(_TO_SPACE)
    if german:
        folded = folded.translate(_GERMAN)
    decomposed = unicodedata.normalize("NFKD", folded.translate(_LETTER_FOLDS))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    # recompose so scripts that NFKD splits into letters (Hangul jamo) come back whole
    spaced = "".join(ch if ch.isalnum() else " " for ch in unicodedata.normalize("NFC", bare))
    return " ".join(spaced.split())


def strip_filler(text: str) -> str:
    """``text`` normalised, without the hesitations and fixed phrases callers say around a
    name ("uh, call bob please" -> "bob"); unchanged when nothing would be left."""
    return " ".join(without_filler(tuple(normalize(text).split())))


def without_filler(words: tuple[str, ...]) -> tuple[str, ...]:
    """Normalised ``words`` without the filler; ``words`` itself when nothing would be left."""
    kept = " ".join(word for word in words if word not in _HESITATIONS)
    for filler in (_LEADING_FILLER, _TRAILING_FILLER, _LEADING_FILLER):
        kept = filler.sub("", kept)  # leading again: "please call bob please" -> "bob"
    return tuple(kept.split()) or words
