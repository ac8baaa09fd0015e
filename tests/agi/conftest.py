"""The phonebook behind the access-number tests: US and Chinese destinations allowed."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.app import Phonebook
from phonebook.calls import CallLimits
from phonebook.config import PhonebookConfig


@pytest.fixture
def pb(engine: AsyncEngine) -> Phonebook:
    limits = CallLimits(
        per_minute=100, concurrent_per_caller=100, allowed_country_codes=frozenset({1, 86})
    )
    return Phonebook.build(
        engine, PhonebookConfig(auto_verify_phones=True, lookups_per_minute=1000), limits
    )
