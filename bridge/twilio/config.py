from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    public_base_url: str  # what Twilio calls, e.g. https://bridge.example.com (signatures use it)
    access_number: str  # the Twilio number callers dial, E.164
    state_key: str  # signs the flow state carried in webhook URLs
    caller_id: Literal["access", "caller"] = "access"  # what the callee sees on <Dial>
    speech: bool = True
    speech_model: str = "phone_call"
    language: str = "en-US"
    dial_timeout_s: int = 30

    def url(self, path: str) -> str:
        return self.public_base_url.rstrip("/") + path
