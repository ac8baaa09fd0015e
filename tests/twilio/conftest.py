"""Twilio webhooks called the way Twilio calls them: form posts to the public URL with a real
X-Twilio-Signature computed by the library's RequestValidator; and the Calls API reached through
the library's http_client seam on a local fake of Twilio's REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

from api.app import create_app
from api.config import ApiConfig
from bridge.originator import ClickToCall
from bridge.twilio.config import TwilioConfig
from bridge.twilio.originator import TwilioOriginator, make_client
from bridge.twilio.voice import TwilioVoice
from bridge.twilio.webhooks import webhooks
from phonebook.app import Phonebook
from phonebook.calls import CallLimits
from phonebook.config import PhonebookConfig

SID = "AC" + "0" * 32
TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://bridge.example.com"
ACCESS = "+12025550199"


@pytest.fixture
def twilio_config() -> TwilioConfig:
    return TwilioConfig(
        account_sid=SID,
        auth_token=TOKEN,
        public_base_url=PUBLIC,
        access_number=ACCESS,
        state_key="k" * 32,
    )


@dataclass
class FakeTwilioRest:
    """Twilio's REST API for Calls, as far as PhoneBridge uses it; records what it received."""

    base: str = ""
    created: list[dict[str, str]] = field(default_factory=list)
    events: list[list[str]] = field(default_factory=list)  # StatusCallbackEvent repeats its key
    auth: list[str] = field(default_factory=list)
    answer: tuple[int, dict[str, Any]] | None = None  # forced error answer
    messages: list[dict[str, str]] = field(default_factory=list)

    async def create_message(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.messages.append(form)
        if self.answer:
            status, body = self.answer
            return web.json_response(body, status=status)
        sid = f"SM{len(self.messages):032d}"
        body = {"sid": sid, "account_sid": request.match_info["sid"], "status": "queued"}
        body.update({"to": form.get("To", ""), "from": form.get("From", "")})
        return web.json_response(body, status=201)

    async def create_call(self, request: web.Request) -> web.Response:
        posted = await request.post()
        form = {k: str(v) for k, v in posted.items()}
        self.created.append(form)
        self.events.append([str(v) for v in posted.getall("StatusCallbackEvent", [])])
        self.auth.append(request.headers.get("Authorization", ""))
        if self.answer:
            status, body = self.answer
            return web.json_response(body, status=status)
        sid = f"CA{len(self.created):032d}"
        body = {
            "sid": sid,
            "account_sid": request.match_info["sid"],
            "to": form.get("To"),
            "from": form.get("From"),
            "status": "queued",
        }
        return web.json_response(body, status=201)


class LocalTwilioHttpClient(AsyncTwilioHttpClient):
    """The library's own async HTTP client, sending to the local fake instead of api.twilio.com."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self._base = base

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        return await super().request(
            method, url.replace("https://api.twilio.com", self._base), *args, **kwargs
        )


@pytest.fixture
async def fake_rest() -> AsyncIterator[FakeTwilioRest]:
    fake = FakeTwilioRest()
    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Calls.json", fake.create_call)
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", fake.create_message)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.base = f"http://127.0.0.1:{port}"
    yield fake
    await runner.cleanup()


@dataclass
class Twilio:
    """Posts webhooks like Twilio: to the public URL, signed."""

    http: httpx.AsyncClient
    validator: RequestValidator = field(default_factory=lambda: RequestValidator(TOKEN))

    async def post(
        self,
        path: str,
        form: dict[str, str],
        *,
        sign_url: str | None = None,
        headers: dict[str, str] | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        url = PUBLIC + path
        sig = (
            signature
            if signature is not None
            else self.validator.compute_signature(sign_url or url, form)
        )
        return await self.http.post(
            path, data=form, headers={"X-Twilio-Signature": sig, **(headers or {})}
        )


@pytest.fixture
def limits() -> CallLimits:
    return CallLimits(per_minute=100, concurrent_per_caller=100)


@pytest.fixture
def pb(engine: AsyncEngine, limits: CallLimits) -> Phonebook:
    return Phonebook.build(
        engine, PhonebookConfig(auto_verify_phones=True, lookups_per_minute=1000), limits
    )


@pytest.fixture
async def twilio(
    pb: Phonebook, engine: AsyncEngine, twilio_config: TwilioConfig, fake_rest: FakeTwilioRest
) -> AsyncIterator[Twilio]:
    http_client = LocalTwilioHttpClient(fake_rest.base)
    originator = TwilioOriginator(make_client(twilio_config, http_client), twilio_config)
    app = create_app(
        pb,
        engine,
        ApiConfig(secret_key="s" * 40),
        ClickToCall(pb.calls, originator),
        routes=[webhooks(TwilioVoice(pb, twilio_config), pb.deliveries)],
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://internal:8000"
    ) as client:
        yield Twilio(client)
    await http_client.close()
