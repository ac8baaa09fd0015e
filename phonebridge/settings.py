"""Settings from PHONEBRIDGE_* environment variables (and a .env file). Built by the CLI,
never at import time."""

from __future__ import annotations

import logging
import secrets
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PHONEBRIDGE_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = Field(
        "development", description="production refuses unsafe defaults"
    )
    database_url: str = Field(
        "sqlite+aiosqlite:///./phonebridge.db",
        description="SQLAlchemy async URL; postgresql+asyncpg://… to scale out",
    )
    auto_migrate: bool = Field(True, description="run migrations when serve starts")
    secret_key: SecretStr | None = Field(
        None, description="signs API tokens; required in production"
    )
    token_minutes: int = Field(60 * 24, ge=1, description="API token lifetime")
    default_region: str = Field(
        "US", min_length=2, max_length=2, description="region for national numbers"
    )
    auto_verify_phones: bool = Field(
        False, description="development only: trust the number given at registration"
    )
    lookups_per_minute: int = Field(
        30, ge=0, description="name lookups per account per minute (0 = off)"
    )
    host: str = Field("127.0.0.1", description="API listen address")
    port: int = Field(8000, ge=0, le=65535, description="API listen port")
    log_level: str = Field("info", description="debug shows numbers; info never does")

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env == "production":
            if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
                raise ValueError(
                    "PHONEBRIDGE_SECRET_KEY (32+ characters) is required in production"
                )
            if self.auto_verify_phones:
                raise ValueError("PHONEBRIDGE_AUTO_VERIFY_PHONES is for development only")
        return self

    def signing_key(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        # development without a key: a random one, so no usable default ever exists
        log.warning("no PHONEBRIDGE_SECRET_KEY: using a random key; tokens end with this process")
        return secrets.token_urlsafe(32)
