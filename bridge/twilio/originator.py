"""Click-to-call through Twilio's Calls API, with the twilio library's async client."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bridge.originator import OriginateOutcomeUnknown, OriginateRefused
from bridge.twilio.config import TwilioConfig
from phonebook.calls import Call

# the library logs every API request at info; ours stays quiet unless something fails
_quiet = logging.getLogger("phonebridge.twilio.http")
_quiet.setLevel(logging.WARNING)

STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


def make_client(config: TwilioConfig, http_client: AsyncTwilioHttpClient | None = None) -> Client:
    """The one Twilio client. ``http_client`` is the library's seam (tests point it at a
    local fake of the REST API)."""
    return Client(
        config.account_sid,
        config.auth_token,
        http_client=http_client or AsyncTwilioHttpClient(logger=_quiet, timeout=10),
    )


class TwilioOriginator:
    provider = "twilio"

    def __init__(self, client: Client, config: TwilioConfig) -> None:
        self._client = client
        self._config = config

    @property
    def available(self) -> bool:
        return True  # Twilio's REST API has no session to lose; failures are per request

    async def originate(self, call: Call, ring: str) -> str | None:
        query = urlencode({"call": call.id})
        try:
            created = await self._client.calls.create_async(
                to=ring,
                from_=self._config.access_number,
                url=self._config.url(f"/twilio/connect?{query}"),
                method="POST",
                status_callback=self._config.url(f"/twilio/call-status?{query}"),
                status_callback_event=STATUS_EVENTS,
                status_callback_method="POST",
                timeout=self._config.dial_timeout_s,
            )
        except TwilioRestException as exc:
            if exc.status >= 500:  # Twilio failed midway: the call may exist
                raise OriginateOutcomeUnknown(f"Twilio answered {exc.status}") from exc
            raise OriginateRefused(f"Twilio error {exc.code}: {exc.msg}") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise OriginateOutcomeUnknown("no answer from Twilio") from exc
        sid: str | None = created.sid
        return sid
