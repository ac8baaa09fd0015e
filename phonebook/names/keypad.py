"""Keypad keys: a name spelled on a phone keypad (ITU E.161, 2=ABC … 9=WXYZ), for
dial-by-name on DTMF. 0 is the keypad's space between words, as in Teams/Asterisk
dial-by-name; Han names are keyed by their pinyin ("张伟" -> 94264 934)."""

from __future__ import annotations

from phonebook.names.normalizing import normalize

_KEYPAD = str.maketrans(
    {
        **dict.fromkeys("abc", "2"),
        **dict.fromkeys("def", "3"),
        **dict.fromkeys("ghi", "4"),
        **dict.fromkeys("jkl", "5"),
        **dict.fromkeys("mno", "6"),
        **dict.fromkeys("pqrs", "7"),
        **dict.fromkeys("tuv", "8"),
        **dict.fromkeys("wxyz", "9"),
    }
)
_DIGITS = frozenset("0123456789")


def keypad_digits(text: str) -> str:
    """ITU E.161 keypad digits of `text`; digits pass through, everything else is dropped."""
    mapped = normalize(text).translate(_KEYPAD)
    return "".join(ch for ch in mapped if ch in _DIGITS)


def token_digits(spelling: tuple[str, ...]) -> list[str]:
    """The keys of each word of a spelling."""
    # tokens in scripts without keypad letters have no digits and cannot be dialled
    return [d for d in (keypad_digits(token) for token in spelling) if d]


def joined_digits(digits: list[str]) -> list[str]:
    """Whole-name keypad strings without separators: full, first+last, last+first."""
    if len(digits) < 2:
        return list(digits)
    return list(dict.fromkeys(["".join(digits), digits[0] + digits[-1], digits[-1] + digits[0]]))


def spaced_digits(digits: list[str]) -> list[str]:
    """Whole-name keypad strings with 0 between words: full, first+last, last+first."""
    if len(digits) < 2:
        return []
    return list(
        dict.fromkeys(["0".join(digits), f"{digits[0]}0{digits[-1]}", f"{digits[-1]}0{digits[0]}"])
    )


def clean_digits(digits: str) -> str:
    """Keep 0-9, one 0 between words, none at the ends (a leading 0 is no word break)."""
    kept = "".join(ch for ch in digits if ch in _DIGITS)
    return "0".join(part for part in kept.split("0") if part)
