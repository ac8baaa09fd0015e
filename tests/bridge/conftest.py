from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.app import Phonebook
from phonebook.calls import CallLimits
from phonebook.config import PhonebookConfig

ALLOWED = frozenset({1, 86})


@pytest.fixture
def limits() -> CallLimits:
    return CallLimits(per_minute=100, concurrent_per_caller=100, allowed_country_codes=ALLOWED)


@pytest.fixture
def pb(engine: AsyncEngine, config: PhonebookConfig, limits: CallLimits) -> Phonebook:
    return Phonebook.build(engine, config, limits)
