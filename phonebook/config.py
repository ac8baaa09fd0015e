"""The phonebook's own settings, handed in by the composition root."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PhonebookConfig:
    default_region: str = "US"
    auto_verify_phones: bool = False
    lookups_per_minute: int = 30
    min_query_chars: int = 2
    min_query_digits: int = 3
    public_candidates: int = 500  # public names in a caller's speech grammar
    # public owners a lookup ranks (whole-word matches first), found by the partial index of
    # public name keys; fetching them is most of a lookup's cost at 1M accounts
    public_matches: int = 100
    claim_hours: float = 24.0  # an unverified claim on a number expires after this
    # the access number (E.164) that dial-through codes are typed into after it answers;
    # empty: contacts' hidden-but-callable phones are left out of vCards altogether
    access_number: str = ""
