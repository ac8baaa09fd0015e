"""The composition root: settings → engine → phonebook → provider → transports. The runtime
owns what must be closed (the provider's connections and workers, the database pool) and the
one metrics registry that /metrics exposes; phonebridge.lifecycle decides when things start
and stop. Which telephony route runs is the provider's business (phonebridge/providers.py)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from ipaddress import ip_network

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig
from api.metrics import Metrics
from bridge.identity import CallerIdTrust
from bridge.originator import ClickToCall
from bridge.provider import Listener, Parts, Provider
from phonebook.app import Phonebook
from phonebook.calls import CallLimits
from phonebook.config import PhonebookConfig
from phonebook.ratelimit import Backoff, Limiter, LimitRules, Window
from phonebook.store.engine import make_engine
from phonebook.store.limiter import RedisLimiter
from phonebook.store.migrate import upgrade
from phonebook.store.pgfeed import PgFeedListener
from phonebridge import providers
from phonebridge.settings import Settings
from web import app as web
from web.page import WebConfig


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    phonebook: Phonebook
    provider: Provider  # the telephony route (phonebridge/providers.py)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)  # for /metrics
    redis: RedisLimiter | None = None
    feed_listener: PgFeedListener | None = None  # other processes' changes (PostgreSQL)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings.database_url)
        config = PhonebookConfig(
            default_region=settings.default_region.upper(),
            auto_verify_phones=settings.auto_verify_phones,
            lookups_per_minute=settings.lookups_per_minute,
            claim_hours=settings.claim_hours,
            access_number=settings.access_number or settings.twilio_access_number,
        )
        limits = CallLimits(
            per_minute=settings.calls_per_minute,
            per_day=settings.calls_per_day,
            concurrent_per_caller=settings.concurrent_calls_per_caller,
            concurrent_total=settings.concurrent_calls_total,
            max_seconds=settings.max_call_seconds,
            allowed_country_codes=settings.country_codes(),
        )
        redis = RedisLimiter(settings.redis_url) if settings.redis_url else None
        limiter: Limiter | None = redis  # None: the database's own table
        phonebook = Phonebook.build(
            engine, config, limits, limiter=limiter, rules=limit_rules(settings)
        )
        return cls(settings, engine, phonebook, providers.build(settings), redis=redis)

    @property
    def trust(self) -> CallerIdTrust:
        return CallerIdTrust(self.settings.caller_id_trust)

    @functools.cached_property
    def parts(self) -> Parts:
        """What the provider serves with; the signing key is read once (without a configured
        one it is random, and the API and Twilio's signed state must share it)."""
        return Parts(self.phonebook, self.registry, self.settings.signing_key(), self.trust)

    def listeners(self) -> Sequence[Listener]:
        """The provider's inbound servers (FastAGI for Asterisk), one per ``provider.ports()``."""
        return self.provider.listeners(self.parts)

    def click_to_call(self) -> ClickToCall | None:
        originator = self.provider.originator(self.parts)
        return ClickToCall(self.phonebook.calls, originator) if originator is not None else None

    def api(self) -> FastAPI:
        proxies = tuple(
            ip_network(p.strip(), strict=False)
            for p in self.settings.trusted_proxies.split(",")
            if p.strip()
        )
        config = ApiConfig(
            secret_key=self.parts.signing_key,
            token_minutes=self.settings.token_minutes,
            trusted_proxies=proxies,
            heartbeat_seconds=self.settings.push_heartbeat_seconds,
        )
        app = create_app(
            self.phonebook,
            self.engine,
            config,
            self.click_to_call(),
            code_sender=self.provider.code_sender(self.parts),
            metrics=Metrics(self.registry),
            routes=self.provider.routes(self.parts),
        )
        web.install(app, WebConfig(poll_seconds=self.settings.web_poll_seconds))  # the page at /
        return app

    def listen_to_other_processes(self) -> None:
        """On PostgreSQL, hear every other process's commits (LISTEN/NOTIFY) on the feed;
        on SQLite there is one process and its feed is already complete."""
        if self.engine.dialect.name == "postgresql":
            self.feed_listener = PgFeedListener(self.engine.url, self.phonebook.feed)
            self.feed_listener.start()

    async def migrate(self) -> None:
        await asyncio.to_thread(upgrade, self.settings.database_url)

    async def close(self, grace_s: float = 5.0) -> None:
        """Release everything, in order: the provider first (AMI's last events and the calls
        it follows are written to the database, then the speech workers), the push streams, the feed
        listener and the queued lookup audit, the database pool last."""
        await self.provider.close(grace_s)
        if self.redis is not None:
            await self.redis.close()
        await self.phonebook.push.aclose()
        if self.feed_listener is not None:
            await self.feed_listener.close()
        # the lookup audit queued in memory: written before the pool it needs goes away
        await self.phonebook.directory.close(grace_s)
        await self.engine.dispose()


def limit_rules(s: Settings) -> LimitRules:
    """The abuse limits from the settings; the rest are LimitRules' defaults."""
    return LimitRules(
        login_account=Backoff(
            free=s.login_free_attempts,
            base_s=s.login_first_wait_seconds,
            max_s=max(s.login_max_wait_seconds, s.login_first_wait_seconds),
            forget_s=3600,
        ),
        register_address=Window(s.registrations_per_hour, 3600),
        lookup_account=Window(s.lookups_per_minute, 60),
        lookup_number=Window(s.lookups_per_minute, 60),
        lookup_address=Window(s.lookups_per_address_per_minute, 60),
        pin_account=Backoff(free=s.pin_free_attempts, base_s=60, max_s=86400, forget_s=86400),
    )
