"""The language an account hears the access number in. One small preference per account,
kept apart from registration and verification (phonebook/accounts.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from phonebook.errors import InvalidInput, Unauthenticated
from phonebook.store.tables import AccountRow

LANGUAGES = ("en", "zh")  # English, Mandarin Chinese: every fixed prompt exists in each
DEFAULT_LANGUAGE = "en"


def validate_language(value: str) -> str:
    language = value.strip().lower()
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of: {', '.join(LANGUAGES)}")
    return language


class Languages:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def of(self, account_id: str) -> str:
        """The account's language; the default for an account that no longer exists."""
        async with self._sessions() as session:
            account = await session.get(AccountRow, account_id)
        return account.language if account is not None else DEFAULT_LANGUAGE

    async def set(self, account_id: str, language: str) -> str:
        language = validate_language(language)
        async with self._sessions.begin() as session:
            account = await session.get(AccountRow, account_id)
            if account is None:
                raise Unauthenticated("This account no longer exists.")
            account.language = language  # nobody else sees it: no revision bump, no feed
        return language
