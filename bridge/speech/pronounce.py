"""Pronunciations of name words in the acoustic model's phone set (CMU ARPAbet).

A word gets every pronunciation the CMU dictionary has, plus the one espeak-ng derives from
its spelling rules (many names are not in the dictionary, and for those that are, the
dictionary's one reading of "Dubois" or "Moreau" is often not the caller's). Without
espeak-ng an unknown word falls back to a letter-by-letter reading.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path
from threading import Lock

from bridge.speech.pinyin import english_respellings

log = logging.getLogger(__name__)

# longest first: "dʒ" before "d", "aɪ" before "a"
_IPA_TO_ARPA: tuple[tuple[str, str], ...] = (
    ("dʒ", "JH"), ("tʃ", "CH"), ("aɪ", "AY"), ("aʊ", "AW"), ("eɪ", "EY"), ("oʊ", "OW"),
    ("ɔɪ", "OY"), ("əʊ", "OW"), ("ɑː", "AA"), ("ɔː", "AO"), ("iː", "IY"), ("uː", "UW"),
    ("ɜː", "ER"), ("ɚ", "ER"), ("ɝ", "ER"), ("æ", "AE"), ("ɑ", "AA"), ("ɒ", "AA"),
    ("ɔ", "AO"), ("ə", "AH"), ("ʌ", "AH"), ("ɛ", "EH"), ("e", "EH"), ("ɪ", "IH"),
    ("ᵻ", "IH"), ("ɐ", "AH"), ("i", "IY"), ("ʊ", "UH"), ("u", "UW"), ("o", "OW"), ("a", "AA"),
    ("b", "B"), ("d", "D"), ("ð", "DH"), ("f", "F"), ("ɡ", "G"), ("g", "G"), ("h", "HH"),
    ("j", "Y"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"), ("ŋ", "NG"), ("p", "P"),
    ("ɹ", "R"), ("r", "R"), ("s", "S"), ("ʃ", "SH"), ("t", "T"), ("θ", "TH"), ("v", "V"),
    ("w", "W"), ("z", "Z"), ("ʒ", "ZH"), ("ɾ", "T"), ("x", "K"), ("ç", "HH"),
)  # fmt: skip
_STRESS_AND_MARKS = re.compile("[ˈˌ.ˑ\u0303\u0329\u200d ]")

# the fallback when nothing else knows a word: one rough phone per letter
_LETTERS = {
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH",
    "i": "IH", "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P",
    "q": "K", "r": "R", "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S",
    "y": "Y", "z": "Z",
}  # fmt: skip


def ipa_to_arpabet(ipa: str) -> str:
    """espeak-ng's IPA for one word → space-separated ARPAbet phones (unknown marks dropped)."""
    text = _STRESS_AND_MARKS.sub("", ipa)
    phones: list[str] = []
    i = 0
    while i < len(text):
        for symbol, phone in _IPA_TO_ARPA:
            if text.startswith(symbol, i):
                phones.append(phone)
                i += len(symbol)
                break
        else:
            i += 1  # length marks, glottal stops, tones: no ARPAbet phone
    return " ".join(phones)


def letters_to_arpabet(word: str) -> str:
    return " ".join(_LETTERS[ch] for ch in word if ch in _LETTERS)


class Lexicon:
    """Word → pronunciations, from a CMU-format dictionary file and espeak-ng; cached."""

    def __init__(self, dictionary: Path, *, variants: bool = True) -> None:
        """``variants``: add espeak-ng's reading to known words too, not only to unknown ones."""
        self._path = dictionary
        self._variants = variants
        self._espeak = shutil.which("espeak-ng")
        self._cmu: dict[str, list[str]] | None = None
        self._cache: dict[str, tuple[str, ...]] = {}
        self._lock = Lock()
        if self._espeak is None:
            log.warning("espeak-ng not found: names missing from the dictionary are spelled")

    def pronunciations(self, word: str) -> tuple[str, ...]:
        with self._lock:
            if word not in self._cache:
                self._cache[word] = self._derive(word)
            return self._cache[word]

    def _derive(self, word: str) -> tuple[str, ...]:
        found = list(self._dictionary().get(word, ()))
        if found and not self._variants:
            return tuple(found)
        # espeak-ng's reading of the letters, then of a pinyin word's English respellings
        for spelling in (word, *english_respellings(word)):
            derived = self._espeak_reading(spelling)
            if derived and derived not in found:
                found.append(derived)
        if not found:
            found.append(letters_to_arpabet(word))
        return tuple(p for p in found if p)

    def _dictionary(self) -> dict[str, list[str]]:
        if self._cmu is None:
            entries: dict[str, list[str]] = {}
            with self._path.open(encoding="utf-8") as lines:
                for line in lines:
                    word, _, phones = line.strip().partition(" ")
                    if phones:  # "word(2) ..." is the second reading of "word"
                        entries.setdefault(word.split("(")[0], []).append(phones.strip())
            self._cmu = entries
        return self._cmu

    def _espeak_reading(self, word: str) -> str:
        if self._espeak is None:
            return ""
        try:
            done = subprocess.run(
                [self._espeak, "-q", "--ipa", "-v", "en-us", word],
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return ipa_to_arpabet(done.stdout.strip())
