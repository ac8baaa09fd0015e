"""Identity on the Twilio access number: signed webhooks + the HTTP API on one app, verification
codes through the twilio library against the local fake of its REST API. The squat of issue
10 fails; a spoofed caller ID (no StirVerstat A) gets what each trust setting promises."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import ApiConfig
from bridge.identity import CallerIdTrust
from bridge.twilio.codes import TwilioCodeSender
from bridge.twilio.config import TwilioConfig
from bridge.twilio.originator import make_client
from bridge.twilio.voice import TwilioVoice
from bridge.twilio.webhooks import webhooks
from phonebook.app import Phonebook
from phonebook.calls import CallLimits
from phonebook.config import PhonebookConfig
from tests.twilio.conftest import ACCESS, FakeTwilioRest, LocalTwilioHttpClient, Twilio

HOLDER = "+12025550102"
PIN = "482916"
PASSED_A = {"StirVerstat": "TN-Validation-Passed-A"}


@pytest.fixture
def pb(engine: AsyncEngine, limits: CallLimits) -> Phonebook:
    return Phonebook.build(engine, PhonebookConfig(auto_verify_phones=False), limits)


@pytest.fixture(params=list(CallerIdTrust))
def trust(request: pytest.FixtureRequest) -> CallerIdTrust:
    return CallerIdTrust(request.param)


@pytest.fixture
async def app_client(
    pb: Phonebook,
    engine: AsyncEngine,
    twilio_config: TwilioConfig,
    fake_rest: FakeTwilioRest,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Twilio]:
    trust = (
        request.getfixturevalue("trust")
        if "trust" in request.fixturenames
        else CallerIdTrust.ATTESTED
    )
    http_client = LocalTwilioHttpClient(fake_rest.base)
    sender = TwilioCodeSender(make_client(twilio_config, http_client), twilio_config)
    app = create_app(
        pb,
        engine,
        ApiConfig(secret_key="s" * 40),
        routes=[webhooks(TwilioVoice(pb, twilio_config, CallerIdTrust(trust)), pb.deliveries)],
        code_sender=sender,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://internal:8000"
    ) as client:
        yield Twilio(client)
    await http_client.close()


def form(sid: str, **extra: str) -> dict[str, str]:
    return {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": HOLDER, "To": ACCESS, **extra}


def next_path(twiml: str) -> str:
    action = re.search(r'action="([^"]+)"', twiml)
    assert action, twiml
    url = urlparse(action.group(1).replace("&amp;", "&"))
    return f"{url.path}?{url.query}"


async def walk(twilio: Twilio, sid: str, first: dict[str, str], *answers: str) -> list[str]:
    """A call: the voice webhook, then each Gather answered with Digits."""
    served = [(await twilio.post("/twilio/voice", form(sid, **first))).text]
    for digits in answers:
        if "<Gather" not in served[-1]:
            break
        r = await twilio.post(next_path(served[-1]), form(sid, Digits=digits))
        assert r.status_code == 200, r.text
        served.append(r.text)
    return served


async def register(twilio: Twilio, name: str) -> dict[str, str]:
    r = await twilio.http.post(
        "/v1/accounts", json={"name": name, "phone": HOLDER, "password": "a long password"}
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def alice_shares_with_holder(pb: Phonebook) -> None:
    alice = await pb.accounts.register("Alice Martin", "+12025550101", "alices-password")
    await pb.accounts.verify_phone("+12025550101")
    family = await pb.circles.create(alice.id, "family")
    await pb.circles.add_member(alice.id, family.id, HOLDER)
    await pb.cards.add(alice.id, "phone", "mobile", "+12025550111", {family.id: "visible"})


async def test_the_squat_fails_over_http_and_twilio(
    app_client: Twilio, pb: Phonebook, fake_rest: FakeTwilioRest
) -> None:
    twilio = app_client
    await alice_shares_with_holder(pb)
    squatter = await register(twilio, "Mallory")
    holder = await register(twilio, "Bob Real")  # not 409
    # the real holder's attested call, keys ignored: that verifies nobody's claim
    served = await walk(twilio, "CA" + "1" * 32, PASSED_A, "", "", "")
    assert "Alice" not in "".join(served) and "<Dial" not in served[-1]
    assert (await twilio.http.get("/v1/me/phonebook", headers=squatter)).json()["contacts"] == []

    # the holder has a code sent by SMS (Twilio Messaging, through the library) and types it in
    r = await twilio.http.post(
        f"/v1/me/phones/{HOLDER}/verification", json={"channel": "sms"}, headers=holder
    )
    assert r.status_code == 202 and r.json()["code"] is None, r.text  # never in the response
    (message,) = fake_rest.messages
    assert message["To"] == HOLDER and message["From"] == ACCESS
    code = re.findall(r"\d{6}", message["Body"])[0]
    wrong = await twilio.http.post(
        f"/v1/me/phones/{HOLDER}/verify", json={"code": code}, headers=squatter
    )
    assert wrong.status_code == 401  # the code sent for the holder is nothing to the squatter
    ok = await twilio.http.post(
        f"/v1/me/phones/{HOLDER}/verify", json={"code": code}, headers=holder
    )
    assert ok.status_code == 200 and ok.json()["phones"] == [{"phone": HOLDER, "verified": True}]

    book = (await twilio.http.get("/v1/me/phonebook", headers=holder)).json()
    assert [c["entries"][0]["value"] for c in book["contacts"]] == ["+12025550111"]
    assert (await twilio.http.get("/v1/me/phonebook", headers=squatter)).status_code == 401
    *_, dial = await walk(twilio, "CA" + "2" * 32, PASSED_A, "25423#", "")
    assert ">+12025550111</Number>" in dial


async def test_a_code_by_call_is_said_by_twiml(
    app_client: Twilio, pb: Phonebook, fake_rest: FakeTwilioRest
) -> None:
    holder = await register(app_client, "Bob Real")
    r = await app_client.http.post(
        f"/v1/me/phones/{HOLDER}/verification", json={"channel": "call"}, headers=holder
    )
    assert r.status_code == 202, r.text
    (created,) = fake_rest.created
    assert created["To"] == HOLDER and created["From"] == ACCESS
    spoken = re.findall(r"<Say[^>]*>((?:\d )+\d)</Say>", created["Twiml"])
    assert len(spoken) == 2 and spoken[0] == spoken[1]
    code = spoken[0].replace(" ", "")
    ok = await app_client.http.post(
        f"/v1/me/phones/{HOLDER}/verify", json={"code": code}, headers=holder
    )
    assert ok.status_code == 200


async def test_code_sends_are_limited_per_number(app_client: Twilio) -> None:
    holder = await register(app_client, "Bob Real")
    statuses = [
        (
            await app_client.http.post(
                f"/v1/me/phones/{HOLDER}/verification", json={"channel": "sms"}, headers=holder
            )
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [202] * 5 + [429]


async def test_a_spoofed_caller_id_under_each_trust_setting(
    app_client: Twilio, pb: Phonebook, trust: CallerIdTrust
) -> None:
    carl = await pb.accounts.register("Carl Caller", HOLDER, "carls-password")
    await pb.accounts.verify_phone(HOLDER)
    await pb.pins.set(carl.id, PIN)
    await alice_shares_with_holder(pb)
    if trust is CallerIdTrust.NETWORK:  # caller ID believed: the spoofer is Carl
        *_, dial = await walk(app_client, "CA" + "3" * 32, {}, "25423#", "")
        assert ">+12025550111</Number>" in dial
        return
    spoofed = await walk(app_client, "CA" + "3" * 32, {}, "111111#", "222222#", "333333#")
    assert "Please enter your PhoneBridge PIN" in spoofed[0]
    assert 'input="dtmf"' in spoofed[0] and "hints=" not in spoofed[0]  # no names, even as hints
    assert "That PIN is not right." in spoofed[-1] and spoofed[-1].endswith("<Hangup /></Response>")
    assert not any("Alice" in twiml for twiml in spoofed)
    # Carl with his PIN (every call under "pin", or an unattested line under "attested")
    *_, dial = await walk(app_client, "CA" + "4" * 32, {}, PIN + "#", "25423#", "")
    assert "Too many requests" in dial  # the guesses locked the PIN for a while
    assert "pin_locked" in [e.kind for e in await pb.pins.audit(carl.id)]
    attested = await walk(app_client, "CA" + "5" * 32, PASSED_A, "25423#", "")
    if trust is CallerIdTrust.ATTESTED:
        assert ">+12025550111</Number>" in attested[-1]
    else:
        assert "Please enter your PhoneBridge PIN" in attested[0]
