"""The provider registry: the only place that names telephony routes. Each entry reads its
route's settings section from the flat PHONEBRIDGE_* settings and builds the route's
``Provider`` (bridge/provider.py); the runtime, the lifecycle, the CLI and the doctor ask the
provider and never look at its name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge.asterisk.provider import AsteriskProvider, AsteriskSection
from bridge.memory.provider import MemoryProvider
from bridge.provider import Provider
from bridge.twilio.provider import TwilioProvider, TwilioSection

if TYPE_CHECKING:  # settings.py validates PHONEBRIDGE_CALL_PROVIDER against this module
    from phonebridge.settings import Settings


class MissingSettings(ValueError):
    pass


def _asterisk(s: Settings, *, ami: bool) -> AsteriskProvider:
    if ami and s.ami_secret is None:
        raise MissingSettings(f"call_provider={s.call_provider} needs PHONEBRIDGE_AMI_SECRET")
    section = AsteriskSection(
        ami=ami,
        agi_host=s.agi_host,
        agi_port=s.agi_port,
        agi_allowed_peers=tuple(p.strip() for p in s.agi_allowed_peers.split(",") if p.strip()),
        agi_max_concurrent=s.agi_max_concurrent,
        agi_call_deadline_s=s.agi_call_deadline_seconds,
        sounds_folder=s.sounds_folder,
        asterisk_sounds_dir=s.asterisk_sounds_dir,
        present_number=s.caller_id == "caller",
        name_sounds_dir=s.name_sounds_dir,
        speech_recordings_dir=s.speech_recordings_dir,
        speech_workers=s.speech_workers,
        ami_host=s.ami_host,
        ami_port=s.ami_port,
        ami_username=s.ami_username,
        ami_secret=s.ami_secret.get_secret_value() if s.ami_secret is not None else "",
        ami_channel_template=s.ami_channel_template,
        ami_caller_id=s.ami_caller_id,
    )
    return AsteriskProvider(section)


def _twilio(s: Settings) -> TwilioProvider:
    missing = [
        name
        for name in ("twilio_account_sid", "twilio_public_base_url", "twilio_access_number")
        if not getattr(s, name)
    ] + (["twilio_auth_token"] if s.twilio_auth_token is None else [])
    if missing or s.twilio_auth_token is None:
        raise MissingSettings(
            "call_provider=twilio needs " + ", ".join(f"PHONEBRIDGE_{m.upper()}" for m in missing)
        )
    section = TwilioSection(
        account_sid=s.twilio_account_sid,
        auth_token=s.twilio_auth_token.get_secret_value(),
        public_base_url=s.twilio_public_base_url,
        access_number=s.twilio_access_number,
        caller_id=s.twilio_caller_id,
        speech=s.twilio_speech,
        speech_model=s.twilio_speech_model,
        language=s.twilio_language,
        sms=s.verification_sms,
    )
    return TwilioProvider(section)


REGISTRY: dict[str, Callable[[Settings], Provider]] = {
    # Asterisk answers the access number over FastAGI and places calls over AMI
    "asterisk": lambda s: _asterisk(s, ami=True),
    # the default: FastAGI answers the access number; nothing is originated (no AMI)
    "none": lambda s: _asterisk(s, ami=False),
    "twilio": _twilio,
    # in memory: calls are recorded, nobody's phone rings (tests, benchmarks, trying it out)
    "memory": lambda s: MemoryProvider(),
}


def build(settings: Settings) -> Provider:
    """The provider ``settings`` ask for; MissingSettings says which settings it lacks."""
    try:
        factory = REGISTRY[settings.call_provider]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise MissingSettings(
            f"PHONEBRIDGE_CALL_PROVIDER={settings.call_provider!r} is none of {known}"
        ) from None
    return factory(settings)
