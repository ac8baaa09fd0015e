"""Han names as English speakers say them from their pinyin.

A caller who knows 张晓东 from an address book reads "zhang xiaodong" with English letter
values: "jahng shiaodong", not espeak-ng's English reading of the letters ("zang ksiao...")
and not Mandarin. The letters English readers get wrong are few (x, q, zh, c, and a final
i after z/c/s/zh/ch/sh/r), so each pinyin word with one of them gains English respellings,
which the lexicon turns into pronunciations like any other word; tones do not survive an
English reading and are ignored. Pure: no engine.
"""

from __future__ import annotations

import re

# pinyin onsets English readers misread → what they say; longest first
_ONSETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("zh", ("j",)),
    ("ch", ("ch",)),
    ("sh", ("sh",)),
    ("x", ("sh", "s")),
    ("q", ("ch",)),
    ("c", ("ts",)),
    ("z", ("z",)),
)
_FINALS: tuple[tuple[str, str], ...] = (
    ("iang", "yahng"), ("uang", "wahng"), ("iong", "yoong"), ("ian", "yen"), ("iao", "yow"),
    ("ang", "ahng"), ("eng", "ung"), ("ong", "oong"), ("ai", "eye"), ("ei", "ay"), ("ao", "ow"),
    ("ou", "oh"), ("ui", "way"), ("iu", "yoh"), ("ie", "yeh"), ("uo", "waw"), ("uan", "wahn"),
    ("ua", "wah"),
    ("an", "ahn"), ("en", "un"), ("in", "een"), ("un", "oon"), ("a", "ah"), ("e", "uh"),
    ("i", "ee"), ("o", "aw"), ("u", "oo"), ("ü", "yoo"), ("v", "yoo"),
)  # fmt: skip
_SYLLABLE = re.compile(r"(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?([aeiouüv]+(?:ng|n|r)?)")
_BUZZ = ("z", "c", "s", "zh", "ch", "sh", "r")  # their bare final "i" is a buzz, not "ee"
_TELLTALE = re.compile(r"x|q|zh|^c(?!h)|^z|[zcs]i$|ui|iu")


def syllables(word: str) -> list[tuple[str, str]] | None:
    """(onset, final) pairs when the whole word is pinyin syllables, else None."""
    out: list[tuple[str, str]] = []
    at = 0
    while at < len(word):
        found = _SYLLABLE.match(word, at)
        if found is None:
            return None
        out.append((found.group(1) or "", found.group(2)))
        at = found.end()
    return out or None


def english_respellings(word: str) -> list[str]:
    """How an English reader may say a pinyin word, spelled for espeak-ng's English rules a
    syllable at a time; empty for a word that is not pinyin or that English letter values
    already read right."""
    if not _TELLTALE.search(word):
        return []
    parts = syllables(word)
    if parts is None:
        return []
    readings = [""]
    for n, (onset, final) in enumerate(parts):
        heads = dict(_ONSETS).get(onset, (onset,))
        if final == "i" and onset in _BUZZ:
            tail = "ur"
        else:
            tail = next((e for p, e in _FINALS if final == p), final)
        space = " " if n else ""  # syllable by syllable: espeak reads short words best
        readings = [r + space + h + tail for r in readings for h in heads]
    return [r for r in dict.fromkeys(readings) if r.replace(" ", "") != word][:2]
