"""How names sort on the page: Han characters by their pinyin reading, everything else by its
accent-free, case-folded form, so 张伟 sits among the Z names in either language."""

from __future__ import annotations

from pypinyin import lazy_pinyin

from phonebook.names import normalize


def sort_key(name: str) -> tuple[str, str]:
    reading = " ".join(lazy_pinyin(name))  # non-Han runs come back unchanged
    return normalize(reading), name
