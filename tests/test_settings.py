"""Settings refuse unsafe or incomplete configurations instead of running with them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from phonebridge.settings import Settings


def make(**env: str) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg, arg-type]


def test_development_runs_with_no_configuration_at_all() -> None:
    s = make()
    assert s.database_url.startswith("sqlite+aiosqlite:///") and s.call_provider == "none"
    assert len(s.signing_key()) >= 32 and s.signing_key() != s.signing_key()  # random per call


def test_production_needs_a_real_secret_and_no_auto_verify() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        make(env="production")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        make(env="production", secret_key="short")
    with pytest.raises(ValidationError, match="AUTO_VERIFY"):
        make(env="production", secret_key="x" * 40, auto_verify_phones="true")
    assert make(env="production", secret_key="x" * 40).signing_key() == "x" * 40


def test_twilio_needs_its_credentials_and_public_url() -> None:
    with pytest.raises(ValidationError, match="PHONEBRIDGE_TWILIO_PUBLIC_BASE_URL"):
        make(
            call_provider="twilio",
            twilio_account_sid="AC1",
            twilio_auth_token="t",
            twilio_access_number="+12025550199",
        )


def test_the_country_allowlist_defaults_to_the_home_region() -> None:
    assert make().country_codes() == {1}
    assert make(default_region="DE").country_codes() == {49}
    assert make(allowed_country_codes="1, 44,49").country_codes() == {1, 44, 49}


def test_settings_come_from_prefixed_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHONEBRIDGE_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("PHONEBRIDGE_LOOKUPS_PER_MINUTE", "7")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (s.database_url, s.lookups_per_minute) == ("postgresql+asyncpg://u@h/db", 7)


def test_the_call_provider_is_one_the_registry_knows() -> None:
    with pytest.raises(ValidationError, match="none of asterisk, memory, none, twilio"):
        make(call_provider="freeswitch")
    with pytest.raises(ValidationError, match="PHONEBRIDGE_AMI_SECRET"):
        make(call_provider="asterisk")
    assert make(call_provider="memory").call_provider == "memory"
