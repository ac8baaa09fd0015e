"""Search keys: the strings a database stores per name, and the prefixes a query scans them
by, so candidates are found by prefix range scans before they are ranked. One prefix letter per
kind: ``t:`` a word or the joined name, ``i:`` initials, ``k:`` keypad keys, ``p:`` phonetic."""

from __future__ import annotations

from phonebook.names.keypad import clean_digits, joined_digits, spaced_digits, token_digits
from phonebook.names.spellings import (
    MIN_FUZZY_LETTERS,
    NameIndex,
    initials,
    initials_query,
    phonetic_code,
    query_spellings,
)


def search_keys(index: NameIndex) -> frozenset[str]:
    """Strings to store so that `query_prefixes`/`digits_prefixes` find this name by prefix."""
    keys: set[str] = set()
    for spelling in index.spellings:
        keys.update(f"t:{token}" for token in spelling)
        keys.add(f"t:{''.join(spelling)}")
        if len(spelling) >= 2:
            keys.add(f"i:{initials(spelling)}")
        digits = token_digits(spelling)
        keys.update(f"k:{d}" for d in digits)
        keys.update(f"k:{d}" for d in joined_digits(digits))
        keys.update(f"k:{d}" for d in spaced_digits(digits))
    keys.update(f"p:{code}" for code in index.phonetic)
    return frozenset(keys)


def query_prefixes(query: str) -> tuple[str, ...]:
    """Key prefixes of which every non-fuzzy candidate for `query` has at least one."""
    prefixes: list[str] = []
    for spelling in query_spellings(query):
        prefixes.append(f"t:{spelling[0]}")
        prefixes.append(f"t:{''.join(spelling)}")
        codes = (phonetic_code(t) for t in spelling if len(t) >= MIN_FUZZY_LETTERS)
        prefixes.extend(f"p:{code}" for code in codes if code)
        typed_initials = initials_query(spelling)
        if typed_initials is not None:
            prefixes.append(f"i:{typed_initials}")
    return tuple(dict.fromkeys(prefixes))


def digits_prefixes(digits: str) -> tuple[str, ...]:
    """Key prefixes for a keypad query; with 0 separators also its first word."""
    cleaned = clean_digits(digits)
    if not cleaned:
        return ()
    first_word = cleaned.split("0", 1)[0]
    return tuple(dict.fromkeys([f"k:{cleaned}", f"k:{first_word}"]))
