"""Verification codes through Twilio: a call whose TwiML says the code twice (Calls API), or an
SMS (Messaging API), both with the twilio library's async client (its http_client seam is how
tests reach a local fake of the REST API)."""

from __future__ import annotations

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from bridge.prompts import WORDS
from bridge.twilio.config import TwilioConfig
from phonebook.errors import Unavailable

YOUR_CODE_IS = "pb-your-code-is"


def code_twiml(code: str, language: str) -> str:
    response = VoiceResponse()
    response.pause(length=1)
    for _ in range(2):
        response.say(WORDS[YOUR_CODE_IS], language=language)
        response.say(" ".join(code), language=language)  # one digit at a time
    response.hangup()
    return str(response)


class TwilioCodeSender:
    def __init__(self, client: Client, config: TwilioConfig, *, sms: bool = True) -> None:
        self._client = client
        self._config = config
        self.channels = frozenset({"call", "sms"} if sms else {"call"})

    async def send(self, e164: str, code: str, channel: str) -> None:
        try:
            if channel == "sms":
                await self._client.messages.create_async(
                    to=e164,
                    from_=self._config.access_number,
                    body=f"Your PhoneBridge code is {code}. It expires in 15 minutes.",
                )
            else:
                await self._client.calls.create_async(
                    to=e164,
                    from_=self._config.access_number,
                    twiml=code_twiml(code, self._config.language),
                    timeout=self._config.dial_timeout_s,
                )
        except (TwilioRestException, TimeoutError, aiohttp.ClientError) as exc:
            raise Unavailable("The code could not be sent; try again shortly.") from exc
