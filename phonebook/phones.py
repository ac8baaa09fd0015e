"""Phone numbers: everything is stored and compared in E.164."""

from __future__ import annotations

import phonenumbers

from phonebook.errors import InvalidPhone

MAX_RAW_LENGTH = 40


def to_e164(raw: str, default_region: str) -> str:
    """Parse international or national input (national uses ``default_region``) into E.164."""
    if not raw or len(raw) > MAX_RAW_LENGTH:
        raise InvalidPhone("A phone number is required (at most 40 characters).")
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("That is not a phone number.") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone("That is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def country_code(e164: str) -> int:
    """The country calling code of an E.164 number (used by toll-fraud allowlists)."""
    return int(phonenumbers.parse(e164, None).country_code or 0)


def redact(e164: str) -> str:
    """A log-safe form: country code and the last two digits only."""
    if len(e164) < 6:
        return "+…"
    return f"{e164[:3]}…{e164[-2:]}"
