"""The composition root: settings → engine → phonebook → transports."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig
from phonebook.app import Phonebook
from phonebook.config import PhonebookConfig
from phonebook.store.engine import make_engine
from phonebook.store.migrate import upgrade
from phonebridge.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    phonebook: Phonebook

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings.database_url)
        config = PhonebookConfig(
            default_region=settings.default_region.upper(),
            auto_verify_phones=settings.auto_verify_phones,
            lookups_per_minute=settings.lookups_per_minute,
        )
        return cls(settings, engine, Phonebook.build(engine, config))

    def api(self) -> FastAPI:
        config = ApiConfig(
            secret_key=self.settings.signing_key(), token_minutes=self.settings.token_minutes
        )
        return create_app(self.phonebook, self.engine, config)

    async def migrate(self) -> None:
        await asyncio.to_thread(upgrade, self.settings.database_url)

    async def close(self) -> None:
        await self.engine.dispose()
