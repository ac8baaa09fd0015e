"""The composition root: settings → engine → phonebook → transports. The runtime owns what
must be closed (AMI, speech workers, the database pool) and the one metrics registry that
/metrics exposes; phonebridge.lifecycle decides when things start and stop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from ipaddress import ip_network
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig
from api.metrics import Metrics
from bridge import contract
from bridge.access import AccessNumber, ConnectLeg, Outcome, SpokenNames
from bridge.agi.server import FastAgiServer, Handler
from bridge.ami.client import AmiClient
from bridge.ami.codes import AmiCodeConfig, AmiCodeSender
from bridge.ami.originator import AmiOriginator, AmiOriginatorConfig
from bridge.codes import CodeSender
from bridge.identity import CallerIdTrust
from bridge.metrics import AgiMetrics, AmiMetrics, SpeechMetrics, TimedRecognizer
from bridge.originator import ClickToCall
from bridge.prompts import NameVoice
from bridge.speech.recognizer import default_recognizer
from bridge.twilio.codes import TwilioCodeSender
from bridge.twilio.config import TwilioConfig
from bridge.twilio.originator import TwilioOriginator, make_client
from bridge.twilio.voice import TwilioVoice
from phonebook.app import Phonebook
from phonebook.calls import CallLimits
from phonebook.config import PhonebookConfig
from phonebook.ratelimit import Backoff, Limiter, LimitRules, Window
from phonebook.store.engine import make_engine
from phonebook.store.limiter import RedisLimiter
from phonebook.store.migrate import upgrade
from phonebridge.settings import Settings
from web import app as web
from web.page import WebConfig


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    phonebook: Phonebook
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)  # for /metrics
    spoken: SpokenNames | None = None  # speech recognition workers, once started
    redis: RedisLimiter | None = None
    ami: AmiClient | None = None  # click-to-call over Asterisk, once built
    originator: AmiOriginator | None = None

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings.database_url)
        config = PhonebookConfig(
            default_region=settings.default_region.upper(),
            auto_verify_phones=settings.auto_verify_phones,
            lookups_per_minute=settings.lookups_per_minute,
            claim_hours=settings.claim_hours,
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
        return cls(settings, engine, phonebook, redis=redis)

    @property
    def trust(self) -> CallerIdTrust:
        return CallerIdTrust(self.settings.caller_id_trust)

    def twilio_config(self, signing_key: str) -> TwilioConfig:
        s = self.settings
        assert s.twilio_auth_token is not None
        return TwilioConfig(
            account_sid=s.twilio_account_sid,
            auth_token=s.twilio_auth_token.get_secret_value(),
            public_base_url=s.twilio_public_base_url,
            access_number=s.twilio_access_number,
            state_key=signing_key,
            caller_id=s.twilio_caller_id,
            speech=s.twilio_speech,
            speech_model=s.twilio_speech_model,
            language=s.twilio_language,
        )

    def api(self, click_to_call: ClickToCall | None = None) -> FastAPI:
        key = self.settings.signing_key()
        proxies = tuple(
            ip_network(p.strip(), strict=False)
            for p in self.settings.trusted_proxies.split(",")
            if p.strip()
        )
        config = ApiConfig(
            secret_key=key, token_minutes=self.settings.token_minutes, trusted_proxies=proxies
        )
        twilio = None
        codes: CodeSender | None = None
        if self.settings.call_provider == "twilio":
            twilio_config = self.twilio_config(key)
            twilio = TwilioVoice(self.phonebook, twilio_config, self.trust)
            client = make_client(twilio_config)
            originator = TwilioOriginator(client, twilio_config)
            click_to_call = ClickToCall(self.phonebook.calls, originator)
            codes = TwilioCodeSender(client, twilio_config, sms=self.settings.verification_sms)
        elif self.ami is not None:
            s = self.settings
            codes = AmiCodeSender(
                self.ami, AmiCodeConfig(s.ami_channel_template, caller_id=s.ami_caller_id)
            )
        app = create_app(self.phonebook, self.engine, config, click_to_call, twilio, codes)
        web.install(app, WebConfig(poll_seconds=self.settings.web_poll_seconds))  # the page at /
        return app
        return create_app(
            self.phonebook,
            self.engine,
            config,
            click_to_call,
            twilio,
            metrics=Metrics(self.registry),
        )

    def fastagi(self) -> FastAgiServer:
        s = self.settings
        voice = NameVoice(Path(s.name_sounds_dir) if s.name_sounds_dir else None)
        self.phonebook.accounts.on_name_change(voice.prepare)  # names are spoken when set
        handlers: dict[str, Handler] = {
            contract.ACCESS_SCRIPT: AccessNumber(
                self.phonebook,
                voice,
                s.sounds_folder,
                self.spoken_names(),
                present_number=s.caller_id == "caller",
                trust=self.trust,
            ),
            contract.CONNECT_SCRIPT: ConnectLeg(
                self.phonebook, voice, s.sounds_folder, present_number=s.caller_id == "caller"
            ),
            contract.OUTCOME_SCRIPT: Outcome(self.phonebook),
        }
        return FastAgiServer(
            handlers,
            host=s.agi_host,
            port=s.agi_port,
            allowed_peers=[p.strip() for p in s.agi_allowed_peers.split(",") if p.strip()],
            max_concurrent=s.agi_max_concurrent,
            call_deadline_s=s.agi_call_deadline_seconds,
            metrics=AgiMetrics(self.registry, scripts=handlers),
        )

    def spoken_names(self) -> SpokenNames | None:
        """Spoken names when a recordings folder is set and the speech extra is installed."""
        folder = self.settings.speech_recordings_dir
        if not folder:
            return None
        # logs once why speech is off when the engine is missing
        recognizer = default_recognizer(workers=self.settings.speech_workers)
        if recognizer is None:
            return None
        timed = TimedRecognizer(recognizer, SpeechMetrics(self.registry))
        self.spoken = SpokenNames(timed, Path(folder))
        return self.spoken

    def ami_click_to_call(self) -> tuple[AmiClient, ClickToCall]:
        """The AMI client (not started) and click-to-call over it."""
        s = self.settings
        assert s.ami_secret is not None
        client = AmiClient(
            s.ami_host,
            s.ami_port,
            s.ami_username,
            s.ami_secret.get_secret_value(),
            metrics=AmiMetrics(self.registry),
        )
        config = AmiOriginatorConfig(
            channel_template=s.ami_channel_template, caller_id=s.ami_caller_id
        )
        originator = AmiOriginator(client, self.phonebook.calls, config)
        self.ami, self.originator = client, originator  # verification calls use it too
        return client, ClickToCall(self.phonebook.calls, originator)

    async def migrate(self) -> None:
        await asyncio.to_thread(upgrade, self.settings.database_url)

    async def close(self, grace_s: float = 5.0) -> None:
        """Release everything, in order: AMI first (its last events and the calls it follows
        are written to the database), then the speech workers, the queued lookup audit, the
        database pool last."""
        if self.ami is not None:
            await self.ami.close(events_grace_s=grace_s)
        if self.originator is not None:
            await self.originator.settle(grace_s)
        if self.spoken is not None:
            self.spoken.close()
        if self.redis is not None:
            await self.redis.close()
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
