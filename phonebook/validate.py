"""Input rules for what owners write on their card. Pure; raises InvalidInput."""

from __future__ import annotations

import re
import unicodedata

from phonebook.errors import InvalidInput
from phonebook.model import EntryKind, Level
from phonebook.phones import to_e164

MAX_NAME = 100
MAX_ALIASES = 10
MAX_LABEL = 40
MAX_EMAIL = 254
MAX_ADDRESS = 500
MAX_ENTRIES = 50
MAX_CIRCLES = 50
MAX_MEMBERS = 1000
MAX_PASSWORD = 256
MIN_PASSWORD = 8

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _clean(text: str) -> str:
    # NFC so one name has one stored form; control characters never belong in a card
    text = unicodedata.normalize("NFC", text).strip()
    if any(unicodedata.category(ch) == "Cc" for ch in text if ch != "\n"):
        raise InvalidInput("Control characters are not allowed.")
    return text


def name(value: str, what: str = "name") -> str:
    value = _clean(value)
    if not value or len(value) > MAX_NAME or "\n" in value:
        raise InvalidInput(f"A {what} needs 1 to {MAX_NAME} characters on one line.")
    return value


def aliases(values: list[str]) -> tuple[str, ...]:
    if len(values) > MAX_ALIASES:
        raise InvalidInput(f"At most {MAX_ALIASES} aliases.")
    cleaned = [name(v, "alias") for v in values]
    return tuple(dict.fromkeys(cleaned))  # drop repeats, keep order


def label(value: str) -> str:
    value = _clean(value)
    if not value or len(value) > MAX_LABEL or "\n" in value:
        raise InvalidInput(f"A label needs 1 to {MAX_LABEL} characters on one line.")
    return value


def entry_value(kind: EntryKind, value: str, default_region: str) -> str:
    if kind == EntryKind.PHONE:
        return to_e164(value, default_region)
    value = _clean(value)
    if kind == EntryKind.EMAIL:
        if len(value) > MAX_EMAIL or not _EMAIL.match(value):
            raise InvalidInput("That is not an e-mail address.")
        return value
    if not value or len(value) > MAX_ADDRESS:
        raise InvalidInput(f"An address needs 1 to {MAX_ADDRESS} characters.")
    return value


def grant_level(kind: EntryKind, level: str) -> Level:
    try:
        parsed = Level.parse(level)
    except KeyError:
        raise InvalidInput("A level is one of hidden, callable, visible.") from None
    if parsed == Level.CALLABLE and kind != EntryKind.PHONE:
        raise InvalidInput("Only phone entries can be callable.")
    return parsed


def password(value: str) -> str:
    if not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        raise InvalidInput(f"A password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters.")
    return value
