"""The spoken-name corpus and its replay now ship with the Twilio adapter
(``bridge.twilio.mistranscriptions``, ``bridge.twilio.testing``), so ``bench/`` shares them
without importing tests. Kept so tests importing them from here keep working."""

from __future__ import annotations

from bridge.twilio.mistranscriptions import CALLER_PHONE, CORPUS, PEOPLE, STRANGERS, Case, Category
from bridge.twilio.testing import OUTCOMES, Outcome, Result, classify, replay, seed, shares

__all__ = [
    "CALLER_PHONE",
    "CORPUS",
    "OUTCOMES",
    "PEOPLE",
    "STRANGERS",
    "Case",
    "Category",
    "Outcome",
    "Result",
    "classify",
    "replay",
    "seed",
    "shares",
]
