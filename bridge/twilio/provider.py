"""The Twilio route: the access number and the connect leg are webhooks (HTTP routes, no
listener of our own); click-to-call and code calls/SMS go through Twilio's REST API with one
client."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter
from twilio.rest import Client

from bridge.codes import CodeSender
from bridge.originator import Originator
from bridge.provider import Finding, Listener, Parts, Port
from bridge.twilio.codes import TwilioCodeSender
from bridge.twilio.config import TwilioConfig
from bridge.twilio.originator import TwilioOriginator, make_client
from bridge.twilio.voice import TwilioVoice
from bridge.twilio.webhooks import webhooks


@dataclass(frozen=True, slots=True)
class TwilioSection:
    """The settings this route reads (PHONEBRIDGE_TWILIO_*)."""

    account_sid: str
    auth_token: str
    public_base_url: str
    access_number: str
    caller_id: Literal["access", "caller"] = "access"
    speech: bool = True
    speech_model: str = "phone_call"
    language: str = "en-US"
    sms: bool = True  # verification codes by SMS too

    def config(self, state_key: str) -> TwilioConfig:
        return TwilioConfig(
            account_sid=self.account_sid,
            auth_token=self.auth_token,
            public_base_url=self.public_base_url,
            access_number=self.access_number,
            state_key=state_key,
            caller_id=self.caller_id,
            speech=self.speech,
            speech_model=self.speech_model,
            language=self.language,
        )


class TwilioProvider:
    name = "twilio"

    def __init__(self, section: TwilioSection, client: Client | None = None) -> None:
        self.section = section
        self._client = client  # tests hand one pointed at a local fake of the REST API
        self._config: TwilioConfig | None = None

    def config(self, parts: Parts) -> TwilioConfig:
        if self._config is None:  # the flow state in webhook URLs is signed with the API's key
            self._config = self.section.config(parts.signing_key)
        return self._config

    def client(self, parts: Parts) -> Client:
        if self._client is None:
            self._client = make_client(self.config(parts))
        return self._client

    def ports(self) -> Sequence[Port]:
        return ()  # Twilio calls the HTTP API's webhooks

    def listeners(self, parts: Parts) -> Sequence[Listener]:
        return ()

    def routes(self, parts: Parts) -> Sequence[APIRouter]:
        voice = TwilioVoice(parts.phonebook, self.config(parts), parts.trust)
        return [webhooks(voice, parts.phonebook.deliveries)]

    def originator(self, parts: Parts) -> Originator | None:
        return TwilioOriginator(self.client(parts), self.config(parts))

    def code_sender(self, parts: Parts) -> CodeSender | None:
        return TwilioCodeSender(self.client(parts), self.config(parts), sms=self.section.sms)

    def start(self, parts: Parts) -> None:
        pass  # the REST API has no session to open

    async def close(self, grace_s: float) -> None:
        pass

    async def health(self) -> Sequence[Finding]:
        return ()  # the settings were checked when read; Twilio has nothing to log in to
