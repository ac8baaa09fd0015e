"""The phonebook's use cases, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.accounts import Accounts
from phonebook.calls import CallLimits, Calls
from phonebook.cards import Cards
from phonebook.circles import Circles
from phonebook.config import PhonebookConfig
from phonebook.deliveries import Deliveries
from phonebook.directory import Directory
from phonebook.language import Languages
from phonebook.store.engine import make_sessionmaker


@dataclass(frozen=True, slots=True)
class Phonebook:
    accounts: Accounts
    cards: Cards
    circles: Circles
    directory: Directory
    calls: Calls
    deliveries: Deliveries
    languages: Languages

    @classmethod
    def build(
        cls, engine: AsyncEngine, config: PhonebookConfig, limits: CallLimits | None = None
    ) -> Phonebook:
        sessions = make_sessionmaker(engine)
        directory = Directory(sessions, config)
        return cls(
            accounts=Accounts(sessions, config),
            cards=Cards(sessions, config),
            circles=Circles(sessions, config),
            directory=directory,
            calls=Calls(sessions, directory, limits or CallLimits()),
            deliveries=Deliveries(sessions),
            languages=Languages(sessions),
        )
