"""Settings from PHONEBRIDGE_* environment variables (and a .env file). Built by the CLI,
never at import time."""

from __future__ import annotations

import logging
import secrets
from typing import Literal

import phonenumbers
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from phonebridge import providers

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
        30, ge=0, description="name lookups per account and per verified number per minute"
    )
    lookups_per_address_per_minute: int = Field(
        120, ge=0, description="name lookups per client address per minute (0 = off)"
    )
    caller_id_trust: Literal["attested", "pin", "network"] = Field(
        "attested",
        description="when caller ID stands for an account: STIR/SHAKEN A only, never, always",
    )
    claim_hours: float = Field(24, gt=0, description="unverified claims on a number expire")
    redis_url: str = Field(
        "", description="redis://… shares the abuse limits there instead of in the database"
    )
    trusted_proxies: str = Field(
        "", description="comma-separated proxy networks whose X-Forwarded-For is believed"
    )
    login_free_attempts: int = Field(
        5, ge=1, description="sign-ins per number before each try must wait longer"
    )
    login_first_wait_seconds: float = Field(
        1, gt=0, description="the first wait once the free sign-ins are used; doubles each try"
    )
    login_max_wait_seconds: int = Field(900, ge=1, description="longest wait between sign-ins")
    registrations_per_hour: int = Field(
        10, ge=0, description="registrations per client address per hour (0 = off)"
    )
    pin_free_attempts: int = Field(
        3, ge=1, description="PIN tries per account before waits (and an audit entry)"
    )
    verification_sms: bool = Field(True, description="Twilio: verification codes by SMS too")
    call_provider: str = Field(
        "none",
        description=(
            "the telephony route (phonebridge/providers.py): asterisk (FastAGI + AMI), none "
            "(FastAGI only, no calls placed), twilio, memory (calls recorded, nothing rings)"
        ),
    )
    calls_per_minute: int = Field(
        3, ge=1, description="toll-fraud guard: calls per caller per minute"
    )
    calls_per_day: int = Field(50, ge=1, description="toll-fraud guard: calls per caller per day")
    concurrent_calls_per_caller: int = Field(1, ge=1, description="toll-fraud guard")
    concurrent_calls_total: int = Field(100, ge=1, description="toll-fraud guard")
    max_call_seconds: int = Field(3600, ge=60, description="call length limit handed to the switch")
    allowed_country_codes: str = Field(
        "",
        description="comma-separated calling codes callers may reach; empty = the default region's",
    )
    twilio_account_sid: str = Field("", description="Twilio: account SID (AC…)")
    twilio_auth_token: SecretStr | None = Field(
        None, description="Twilio: auth token (signs webhooks)"
    )
    twilio_public_base_url: str = Field(
        "", description="Twilio: the https URL Twilio calls (signatures)"
    )
    twilio_access_number: str = Field("", description="Twilio: the access number, E.164")
    twilio_caller_id: Literal["access", "caller"] = Field(
        "access",
        description="Twilio: caller ID the callee sees (a verified caller ID for 'caller')",
    )
    twilio_speech: bool = Field(True, description="Twilio: accept spoken names")
    twilio_speech_model: str = Field("phone_call", description="Twilio: <Gather speechModel>")
    twilio_language: str = Field("en-US", description="Twilio: speech and <Say> language")
    agi_host: str = Field("127.0.0.1", description="FastAGI listen address")
    agi_port: int = Field(4573, ge=0, le=65535, description="FastAGI listen port")
    agi_allowed_peers: str = Field(
        "127.0.0.1/32,::1/128", description="comma-separated Asterisk addresses/networks allowed in"
    )
    agi_max_concurrent: int = Field(200, ge=1, description="calls served at once; more get 'busy'")
    agi_call_deadline_seconds: float = Field(
        600, gt=0, description="longest a FastAGI call may run"
    )
    sounds_folder: str = Field("phonebridge", description="prompt folder in Asterisk's sounds dir")
    asterisk_sounds_dir: str = Field(
        "",
        description=(
            "Asterisk's sounds folder as this host sees it (e.g. /var/lib/asterisk/sounds), so "
            "the start-up check can see the prompts; empty = not checked"
        ),
    )
    caller_id: Literal["access", "caller"] = Field(
        "access",
        description=(
            "Asterisk: number callees see with the caller's name: the access number "
            "(PB_ACCESS_NUMBER in the dialplan) or the caller's verified number (only where "
            "the trunk lets you send numbers that are not yours)"
        ),
    )
    name_sounds_dir: str = Field(
        "",
        description="folder for spoken names (<sounds>/names for Asterisk); empty = spell",
    )
    speech_recordings_dir: str = Field(
        "",
        description=(
            "Asterisk: folder where Asterisk records spoken names and the bridge reads them "
            "(same host or a shared mount); empty = keypad spelling only"
        ),
    )
    speech_workers: int = Field(
        2, ge=1, le=64, description="processes decoding spoken names (about 100 MB each)"
    )
    ami_host: str = Field("127.0.0.1", description="Asterisk AMI host")
    ami_port: int = Field(5038, ge=1, le=65535, description="Asterisk AMI port")
    ami_username: str = Field(
        "phonebridge", description="AMI user (dialplan/manager_phonebridge.conf)"
    )
    ami_secret: SecretStr | None = Field(
        None, description="AMI secret; required for call_provider=asterisk"
    )
    ami_channel_template: str = Field(
        "PJSIP/{number}@phonebridge-trunk",
        description="channel that rings the caller ({number}, {digits})",
    )
    ami_caller_id: str = Field(
        '"PhoneBridge" <>', description="caller ID shown on the caller's own phone"
    )
    web_poll_seconds: float = Field(
        10, gt=0, le=3600, description="how often an open web phonebook asks for changes"
    )
    access_number: str = Field(
        "",
        pattern=r"^(\+[1-9][0-9]{6,14})?$",
        description="the access number in E.164, for dial-through entries in CardDAV vCards "
        "(a hidden but callable phone); empty: such phones are left out",
    )
    push_heartbeat_seconds: float = Field(
        15, gt=0, le=3600, description="a heartbeat on idle event streams this often (proxies)"
    )
    host: str = Field("127.0.0.1", description="API listen address")
    port: int = Field(8000, ge=0, le=65535, description="API listen port")
    log_level: str = Field("info", description="debug shows numbers; info never does")
    shutdown_deadline_seconds: float = Field(
        25,
        gt=0,
        description=(
            "on SIGTERM/SIGINT: how long calls and requests in progress may go on (keep it "
            "below the stop timeout: Kubernetes 30 s, Docker 10 s unless stop_grace_period)"
        ),
    )

    @model_validator(mode="after")
    def _provider_needs_its_settings(self) -> Settings:
        providers.build(self)  # builds nothing that runs: it reads and checks the section
        return self

    def country_codes(self) -> frozenset[int]:
        if self.allowed_country_codes.strip():
            return frozenset(int(c) for c in self.allowed_country_codes.split(",") if c.strip())
        return frozenset({phonenumbers.country_code_for_region(self.default_region.upper())})

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
